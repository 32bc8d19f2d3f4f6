/**
 * Reading the `agents:` section from an agent config file, for commands that run outside the agent
 * (`osprey agents explain`): the whole file is validated, as the agent would.
 */
import { DEFAULT_CONFIG_PATH, defaultConfigPath, loadAgentConfig } from '../config/agent-config.js';
import type { AgentRule } from './rules.js';

export { DEFAULT_CONFIG_PATH, defaultConfigPath };

/** Rules from a YAML config file's `agents:` section. Throws a UserFacingError naming the file and field. */
export function readAgentRulesFile(path: string): AgentRule[] {
  return loadAgentConfig(path).agents;
}
