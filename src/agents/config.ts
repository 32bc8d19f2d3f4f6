/**
 * Reading the `agents:` section from an agent config file, for commands that run outside the agent
 * (`osprey agents explain`). The agent itself passes its already-parsed config section to
 * parseAgentRules.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { UserFacingError } from '../util/errors.js';
import { parseAgentRules, type AgentRule } from './rules.js';

/** Where the agent's config is looked for when no --config is given: $OSPREY_CONFIG, then this. */
export const DEFAULT_CONFIG_PATH = '/etc/osprey/agent.yaml';

export function defaultConfigPath(): string {
  return process.env.OSPREY_CONFIG ?? DEFAULT_CONFIG_PATH;
}

/** Rules from a YAML config file's `agents:` section. Throws UserFacingError / AgentRuleError naming the file. */
export function readAgentRulesFile(path: string): AgentRule[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserFacingError(`cannot read config ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`, 'OSP_ERR_CONFIG_READ');
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new UserFacingError(`config ${path} is not valid YAML: ${(err as Error).message.split('\n')[0]}`, 'OSP_ERR_CONFIG_YAML');
  }
  if (doc !== null && doc !== undefined && (typeof doc !== 'object' || Array.isArray(doc))) {
    throw new UserFacingError(`config ${path}: the top level must be a mapping (with an \`agents:\` section)`, 'OSP_ERR_CONFIG_YAML');
  }
  try {
    return parseAgentRules((doc as Record<string, unknown> | null)?.['agents']);
  } catch (err) {
    if (err instanceof UserFacingError) err.message = `${path}: ${err.message}`;
    throw err;
  }
}
