/**
 * Agent frameworks a process shows signs of: in its command line (`crewai run`, `langgraph dev`,
 * `python -m autogen_agentchat`, a script under a framework's folder), in the files it has mapped
 * (native modules under `site-packages/<pkg>/` or `node_modules/<pkg>/`), and in the names of
 * environment variables the frameworks read (see FRAMEWORK_ENV_VARS). A signal for discovery, not
 * a proof: names are only looked for between non-alphanumeric boundaries, so `langchainish` or
 * `mydspyproject` do not count.
 */
import { readMaps } from '../process/proc-fs.js';
import { FRAMEWORK_ENV_VARS } from '../identity/environ.js';

/** Framework → the package/command names that betray it (lower case; `-`, `_` and `.` are boundaries). */
export const FRAMEWORKS: Readonly<Record<string, readonly string[]>> = {
  langchain: ['langchain', 'langchain_core', 'langchain_community', 'langchain_openai', 'langchain_anthropic', '@langchain/core', 'langserve'],
  langgraph: ['langgraph', 'langgraph_api', '@langchain/langgraph'],
  llama_index: ['llama_index', 'llama-index', 'llamaindex'],
  crewai: ['crewai', 'crewai_tools'],
  autogen: ['autogen', 'pyautogen', 'autogen_agentchat', 'autogen_core', 'autogen_ext', 'autogenstudio', 'ag2'],
  'openai-agents': ['openai-agents', 'openai_agents', '@openai/agents'],
  semantic_kernel: ['semantic_kernel', 'semantic-kernel', 'microsoft.semantickernel'],
  haystack: ['haystack', 'haystack_ai', 'haystack-ai'],
  dspy: ['dspy', 'dspy-ai', 'dspy_ai'],
  mastra: ['mastra', '@mastra/core'],
  'vercel-ai-sdk': ['@ai-sdk/openai', '@ai-sdk/anthropic', '@ai-sdk/google', '@ai-sdk/provider', 'node_modules/ai'],
  pydantic_ai: ['pydantic_ai', 'pydantic-ai'],
  smolagents: ['smolagents'],
  agno: ['agno', 'phidata'],
  'google-adk': ['google.adk', 'google-adk', 'google_adk'],
  letta: ['letta', 'memgpt'],
};

/** Longer inputs (huge command lines, maps of big processes) are cut: signals sit near the start. */
const MAX_TEXT = 64 * 1024;
const MAX_MAPS_BYTES = 4 * 1024 * 1024;

const DETECTORS: ReadonlyArray<readonly [string, RegExp]> = Object.entries(FRAMEWORKS).map(([framework, names]) => {
  const alternatives = names.map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|');
  // A name counts between boundaries that are not letters or digits (`_`, `-`, `.`, `/` and spaces are boundaries).
  return [framework, new RegExp(`(?:^|[^a-z0-9@])(?:${alternatives})(?=$|[^a-z0-9])`)] as const;
});

/** Frameworks named in a text (command line, file paths). Sorted, without duplicates. */
export function frameworksInText(text: string): string[] {
  const t = text.slice(0, MAX_TEXT).toLowerCase();
  const found: string[] = [];
  for (const [framework, re] of DETECTORS) if (re.test(t)) found.push(framework);
  return found;
}

/** Frameworks whose environment variables are set (names from EnvScan.signalNames). */
export function frameworksInEnvNames(names: readonly string[]): string[] {
  const found = new Set<string>();
  for (const n of names) {
    const f = FRAMEWORK_ENV_VARS[n];
    if (f !== undefined) found.add(f);
  }
  return [...found].sort();
}

/** Frameworks among the packages whose files a process has mapped (site-packages, dist-packages, node_modules). */
export function frameworksInMaps(maps: string): string[] {
  const dirs = new Set<string>();
  const re = /\/(?:site-packages|dist-packages|node_modules)\/(?:@[^/\s]+\/)?[^/\s]+/g;
  for (const m of maps.slice(0, MAX_MAPS_BYTES).matchAll(re)) dirs.add(m[0]);
  return dirs.size === 0 ? [] : frameworksInText([...dirs].join(' '));
}

/** Reads /proc/PID/maps (once per discovered process) for framework packages; [] when unreadable. */
export function frameworksLoadedBy(pid: number): string[] {
  const maps = readMaps(pid);
  return maps === null ? [] : frameworksInMaps(maps);
}
