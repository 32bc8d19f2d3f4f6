/**
 * The agent's YAML config file: one document, one section per concern, each validated by the
 * module that owns it. Any error names the file and the field, and says how to fix it; the agent
 * does not start on a config it cannot fully understand.
 *
 * ```yaml
 * capture:
 *   plaintext_ports: [11434, 8000]   # plaintext HTTP to LLM servers (Ollama, vLLM, gateways)
 *   content: full                     # full | off | truncate
 *   max_content_chars: 4096           # with content: truncate
 * endpoints: [...]                    # src/llm/endpoints.ts
 * guardrails: {...}                   # src/guardrails/config.ts
 * agents: [...]                       # src/agents/rules.ts (mapping rules)
 * enforce: {...}                      # src/enforce/config.ts (policy_file or inline rules)
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { parseGuardrailsConfig, type GuardrailsConfig, DEFAULT_GUARDRAILS_CONFIG } from '../guardrails/index.js';
import { parseEndpointsConfig, type EndpointConfig } from '../llm/endpoints.js';
import { parseEnforceConfig, DEFAULT_ENFORCE_CONFIG, type EnforceConfig } from '../enforce/config.js';
import { parseAgentRules, type AgentRule } from '../agents/rules.js';
import { OspreyError, UserFacingError } from '../util/errors.js';

export type ContentCapture = { mode: 'full' } | { mode: 'off' } | { mode: 'truncate'; maxChars: number };

export interface AgentConfig {
  plaintextPorts: number[];
  content: ContentCapture;
  endpoints: EndpointConfig[];
  guardrails: GuardrailsConfig;
  /** Agent mapping rules: which processes are which agent. */
  agents: AgentRule[];
  /** Enforcement policy and where its state lives (src/enforce/config.ts). */
  enforce: EnforceConfig;
}

/** Where the agent's config is looked for when no --config is given: $OSPREY_CONFIG, then this. */
export const DEFAULT_CONFIG_PATH = '/etc/osprey/agent.yaml';

export function defaultConfigPath(): string {
  return process.env.OSPREY_CONFIG ?? DEFAULT_CONFIG_PATH;
}

/** The named config file; else the default one when it exists; else built-in defaults. */
export function loadAgentConfigOrDefault(path: string | undefined): AgentConfig {
  if (path !== undefined) return loadAgentConfig(path);
  const fallback = defaultConfigPath();
  return existsSync(fallback) ? loadAgentConfig(fallback) : DEFAULT_AGENT_CONFIG;
}

export const DEFAULT_PLAINTEXT_PORTS = [11434];

export const DEFAULT_AGENT_CONFIG: AgentConfig = {
  plaintextPorts: DEFAULT_PLAINTEXT_PORTS,
  content: { mode: 'full' },
  endpoints: [],
  guardrails: DEFAULT_GUARDRAILS_CONFIG,
  agents: [],
  enforce: DEFAULT_ENFORCE_CONFIG,
};

const SECTIONS = ['capture', 'endpoints', 'guardrails', 'agents', 'enforce'] as const;
const CAPTURE_FIELDS = ['plaintext_ports', 'content', 'max_content_chars'] as const;

export class ConfigError extends UserFacingError {
  constructor(file: string, field: string, detail: string) {
    super(`${file}: ${field}: ${detail}`, 'OSP_ERR_CONFIG');
  }
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unknownKeys(table: Record<string, unknown>, known: readonly string[]): string[] {
  return Object.keys(table).filter((k) => !known.includes(k));
}

function parseCapture(raw: unknown, file: string): Pick<AgentConfig, 'plaintextPorts' | 'content'> {
  if (raw === undefined || raw === null) return { plaintextPorts: DEFAULT_PLAINTEXT_PORTS, content: { mode: 'full' } };
  if (!isTable(raw)) throw new ConfigError(file, 'capture', 'must be a table');
  const extra = unknownKeys(raw, CAPTURE_FIELDS);
  if (extra.length > 0) throw new ConfigError(file, `capture.${extra[0]}`, `unknown field; known fields are ${CAPTURE_FIELDS.join(', ')}`);
  let plaintextPorts = DEFAULT_PLAINTEXT_PORTS;
  if (raw.plaintext_ports !== undefined) {
    const ports = raw.plaintext_ports;
    if (!Array.isArray(ports) || ports.some((p) => !Number.isInteger(p) || (p as number) < 1 || (p as number) > 65535)) {
      throw new ConfigError(file, 'capture.plaintext_ports', 'must be a list of ports 1-65535, e.g. [11434, 8000]');
    }
    plaintextPorts = ports as number[];
  }
  const mode = raw.content ?? 'full';
  if (mode !== 'full' && mode !== 'off' && mode !== 'truncate') {
    throw new ConfigError(file, 'capture.content', `must be full, off or truncate (got ${JSON.stringify(mode)})`);
  }
  if (mode !== 'truncate') {
    if (raw.max_content_chars !== undefined) throw new ConfigError(file, 'capture.max_content_chars', 'only applies with content: truncate');
    return { plaintextPorts, content: { mode } };
  }
  const max = raw.max_content_chars ?? 4096;
  if (!Number.isInteger(max) || (max as number) < 1) throw new ConfigError(file, 'capture.max_content_chars', 'must be a positive whole number');
  return { plaintextPorts, content: { mode, maxChars: max as number } };
}

/** Parses an already-decoded YAML document. `file` is only used in messages. */
export function parseAgentConfig(doc: unknown, file: string): AgentConfig {
  if (doc === undefined || doc === null) return DEFAULT_AGENT_CONFIG;
  if (!isTable(doc)) throw new ConfigError(file, '(top level)', `must be a table with sections ${SECTIONS.join(', ')}`);
  const extra = unknownKeys(doc, SECTIONS);
  if (extra.length > 0) throw new ConfigError(file, extra[0] as string, `unknown section; known sections are ${SECTIONS.join(', ')}`);
  try {
    return {
      ...parseCapture(doc.capture, file),
      endpoints: parseEndpointsConfig(doc.endpoints),
      guardrails: parseGuardrailsConfig(doc.guardrails),
      agents: parseAgentRules(doc.agents),
      enforce: parseEnforceConfig(doc.enforce),
    };
  } catch (e) {
    // Section parsers name the field; add the file so the user knows where to look.
    if (e instanceof OspreyError && !(e instanceof ConfigError)) throw new UserFacingError(`${file}: ${e.message}`, e.code);
    throw e;
  }
}

export function loadAgentConfig(path: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, '(file)', `cannot read it: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? `line ${e.linePos[0].line}` : '(syntax)';
    throw new ConfigError(path, where, `not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return parseAgentConfig(doc, path);
}
