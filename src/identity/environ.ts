/**
 * What a process's environment says about it, read without keeping secrets: the values of a few
 * identity variables (pod name and namespace, set by the Kubernetes downward API or the runtime)
 * and only the *names* of variables that signal an LLM client (provider API keys, framework
 * settings). A value is never turned into a string unless its name is on the identity list, and
 * the bytes are zero-filled as soon as the scan ends (see scanSensitiveFile).
 */
import { PROC_ROOT, scanSensitiveFile } from '../process/proc-fs.js';

/** Variables whose values are identity, not secrets, and are kept (validated by the caller). */
export const IDENTITY_ENV_VARS = ['HOSTNAME', 'POD_NAME', 'POD_NAMESPACE', 'KUBERNETES_SERVICE_HOST'] as const;
export type IdentityEnvVar = (typeof IDENTITY_ENV_VARS)[number];

/** Provider API-key variables: the name says which provider the process is set up to call. */
export const API_KEY_ENV_VARS: Readonly<Record<string, string>> = {
  OPENAI_API_KEY: 'openai',
  AZURE_OPENAI_API_KEY: 'azure.ai.openai',
  ANTHROPIC_API_KEY: 'anthropic',
  GEMINI_API_KEY: 'gcp.gemini',
  GOOGLE_API_KEY: 'gcp.gemini',
  GOOGLE_GENERATIVE_AI_API_KEY: 'gcp.gemini',
  MISTRAL_API_KEY: 'mistral_ai',
  COHERE_API_KEY: 'cohere',
  CO_API_KEY: 'cohere',
  GROQ_API_KEY: 'groq',
  TOGETHER_API_KEY: 'together_ai',
  FIREWORKS_API_KEY: 'fireworks_ai',
  DEEPSEEK_API_KEY: 'deepseek',
  XAI_API_KEY: 'x_ai',
  PERPLEXITY_API_KEY: 'perplexity',
  PPLX_API_KEY: 'perplexity',
  OPENROUTER_API_KEY: 'openrouter',
  HF_TOKEN: 'huggingface',
  HUGGINGFACEHUB_API_TOKEN: 'huggingface',
  REPLICATE_API_TOKEN: 'replicate',
  VOYAGE_API_KEY: 'voyage_ai',
  AWS_BEARER_TOKEN_BEDROCK: 'aws.bedrock',
};

/** Variables agent frameworks read (tracing, keys of their own clouds): the name names the framework. */
export const FRAMEWORK_ENV_VARS: Readonly<Record<string, string>> = {
  LANGCHAIN_API_KEY: 'langchain',
  LANGCHAIN_TRACING_V2: 'langchain',
  LANGCHAIN_PROJECT: 'langchain',
  LANGSMITH_API_KEY: 'langchain',
  LANGSMITH_TRACING: 'langchain',
  LANGGRAPH_API_URL: 'langgraph',
  CREWAI_TELEMETRY_OPT_OUT: 'crewai',
  CREWAI_STORAGE_DIR: 'crewai',
  AUTOGEN_USE_DOCKER: 'autogen',
  LLAMA_CLOUD_API_KEY: 'llama_index',
  LLAMA_INDEX_CACHE_DIR: 'llama_index',
  SEMANTICKERNEL_EXPERIMENTAL_GENAI_ENABLE_OTEL_DIAGNOSTICS: 'semantic_kernel',
  HAYSTACK_TELEMETRY_ENABLED: 'haystack',
  DSP_CACHEDIR: 'dspy',
  DSPY_CACHEDIR: 'dspy',
  MASTRA_TELEMETRY_DISABLED: 'mastra',
};

export interface EnvScan {
  /** Values of IDENTITY_ENV_VARS that are set (non-empty). */
  identity: Partial<Record<IdentityEnvVar, string>>;
  /** Names (only) of set, non-empty API_KEY_ENV_VARS and FRAMEWORK_ENV_VARS, sorted. */
  signalNames: string[];
}

/** Environ blocks are bounded by the kernel's argument limits; beyond this we stop reading. */
const MAX_ENVIRON_BYTES = 1024 * 1024;
const IDENTITY_SET: ReadonlySet<string> = new Set(IDENTITY_ENV_VARS);
/** Identity values are names (DNS labels, IPs): longer ones are not kept. */
const MAX_IDENTITY_VALUE = 253;

/** Scans NUL-separated `NAME=value` entries. Exported for tests; the bytes are not retained. */
export function scanEnvironBytes(bytes: Buffer): EnvScan {
  const identity: Partial<Record<IdentityEnvVar, string>> = {};
  const signals = new Set<string>();
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0, start);
    if (end < 0) end = bytes.length;
    const eq = bytes.indexOf(0x3d /* = */, start);
    if (eq > start && eq < end) {
      // Names are ASCII; only the name is decoded here.
      const name = bytes.toString('latin1', start, eq);
      const valueLength = end - eq - 1;
      if (valueLength > 0) {
        if (IDENTITY_SET.has(name) && valueLength <= MAX_IDENTITY_VALUE) {
          identity[name as IdentityEnvVar] = bytes.toString('utf8', eq + 1, end);
        } else if (Object.hasOwn(API_KEY_ENV_VARS, name) || Object.hasOwn(FRAMEWORK_ENV_VARS, name)) {
          signals.add(name);
        }
      }
    }
    start = end + 1;
  }
  return { identity, signalNames: [...signals].sort() };
}

/** Scans /proc/PID/environ; null when it cannot be read (the process is gone, or a kernel thread). */
export function scanEnviron(pid: number): EnvScan | null {
  return scanSensitiveFile(`${PROC_ROOT}/${pid}/environ`, MAX_ENVIRON_BYTES, scanEnvironBytes);
}
