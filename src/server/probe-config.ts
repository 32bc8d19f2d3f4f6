/**
 * What `GET /api/sdk/v1/ebpf/probes/{id}/config` hands to probes: which endpoints count as LLM
 * providers, which guardrails run locally, and the rules that map processes to agent names.
 * Defaults below; an operator replaces any part with `osprey server --probe-config FILE` (JSON or YAML).
 */
import { UserFacingError } from '../util/errors.js';
import { loadConfigFile } from './config-file.js';

const MAPPING_MATCH_TYPES = ['PROCESS_NAME', 'EXECUTABLE_PATH', 'COMMAND_LINE', 'K8S_POD', 'K8S_NAMESPACE', 'CONTAINER_ID', 'CGROUP'] as const;

export interface AgentMappingRule {
  match_type: (typeof MAPPING_MATCH_TYPES)[number];
  /** A regular expression over the matched field. */
  pattern: string;
  agent_name: string;
  /** Higher runs first. */
  priority: number;
}

export interface ProbeConfig {
  endpoints: string[];
  guardrails: { pii: boolean; prompt_injection: boolean; secrets: boolean };
  enforcement: boolean;
  mappings: AgentMappingRule[];
}

export const DEFAULT_PROBE_CONFIG: ProbeConfig = {
  endpoints: [
    'api.openai.com',
    'api.anthropic.com',
    'generativelanguage.googleapis.com',
    'api.cohere.ai',
    'api.mistral.ai',
    'api.together.xyz',
    'api.groq.com',
    'api.fireworks.ai',
    'api.perplexity.ai',
  ],
  guardrails: { pii: true, prompt_injection: true, secrets: true },
  enforcement: false,
  mappings: [],
};

const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    endpoints: { type: 'array', items: { type: 'string', minLength: 1 } },
    guardrails: {
      type: 'object',
      additionalProperties: false,
      properties: { pii: { type: 'boolean' }, prompt_injection: { type: 'boolean' }, secrets: { type: 'boolean' } },
    },
    enforcement: { type: 'boolean' },
    mappings: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['match_type', 'pattern', 'agent_name'],
        properties: {
          match_type: { type: 'string', enum: MAPPING_MATCH_TYPES },
          pattern: { type: 'string', minLength: 1 },
          agent_name: { type: 'string', minLength: 1 },
          priority: { type: 'integer' },
        },
      },
    },
  },
} as const;

type ProbeConfigFile = Partial<Omit<ProbeConfig, 'guardrails' | 'mappings'>> & {
  guardrails?: Partial<ProbeConfig['guardrails']>;
  mappings?: (Omit<AgentMappingRule, 'priority'> & { priority?: number })[];
};

export function loadProbeConfig(file?: string): ProbeConfig {
  if (file === undefined) return DEFAULT_PROBE_CONFIG;
  const parsed = loadConfigFile<ProbeConfigFile>(file, SCHEMA, 'probe config', 'OSP_ERR_SERVER_PROBE_CONFIG');
  for (const rule of parsed.mappings ?? []) {
    try {
      new RegExp(rule.pattern);
    } catch {
      throw new UserFacingError(`probe config ${file}: mapping pattern ${JSON.stringify(rule.pattern)} is not a regular expression`, 'OSP_ERR_SERVER_PROBE_CONFIG');
    }
  }
  return {
    endpoints: parsed.endpoints ?? DEFAULT_PROBE_CONFIG.endpoints,
    guardrails: { ...DEFAULT_PROBE_CONFIG.guardrails, ...parsed.guardrails },
    enforcement: parsed.enforcement ?? DEFAULT_PROBE_CONFIG.enforcement,
    mappings: (parsed.mappings ?? []).map((m) => ({ ...m, priority: m.priority ?? 0 })).sort((a, b) => b.priority - a.priority),
  };
}
