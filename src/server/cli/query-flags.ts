/** The filter flags `osprey calls` and `osprey stats` share, and their mapping onto the API's query parameters. */
import type { Command } from 'commander';
import { UserFacingError } from '../../util/errors.js';
import { formatUs, nowUs, parseTimestampUs } from '../timestamp.js';

export interface FilterFlags {
  agent?: string;
  provider?: string;
  model?: string;
  process?: string;
  container?: string;
  pod?: string;
  namespace?: string;
  since?: string;
  from?: string;
  to?: string;
  text?: string;
  guardrail?: string | true;
  status?: string;
  source?: string;
}

export function addFilterFlags(cmd: Command): Command {
  return cmd
    .option('--agent <name>', 'agent name')
    .option('--provider <name>', 'provider (openai, anthropic, gcp.gemini, …)')
    .option('--model <name>', 'requested or served model')
    .option('--process <pid|path>', 'a pid, or part of the executable path')
    .option('--container <id>', 'container id or its prefix')
    .option('--pod <name>', 'Kubernetes pod')
    .option('--namespace <name>', 'Kubernetes namespace')
    .option('--since <duration>', 'only the last 30s, 15m, 2h, 7d …')
    .option('--from <time>', 'start (RFC 3339), inclusive')
    .option('--to <time>', 'end (RFC 3339), exclusive')
    .option('--text <words>', 'case-insensitive text in prompts or completions')
    .option('--guardrail [kind]', 'with guardrail findings (any, or a type/kind such as pii or pii:email)')
    .option('--status <ok|error>', 'outcome')
    .option('--source <osprey|nodeloom|otlp>', 'who reported the call');
}

const UNIT_US = { s: 1e6, m: 60e6, h: 3600e6, d: 86_400e6 } as const;

function checkedTime(value: string, flag: string): string {
  if (parseTimestampUs(value) === null) throw new UserFacingError(`${flag} expects an RFC 3339 time like 2026-01-31T12:00:00Z`, 'OSP_ERR_CLI_FLAG');
  return value;
}

export function filterParams(f: FilterFlags): Record<string, string | undefined> {
  let from = f.from === undefined ? undefined : checkedTime(f.from, '--from');
  if (f.since !== undefined) {
    const m = /^(\d+)([smhd])$/.exec(f.since);
    if (m === null) throw new UserFacingError('--since expects a duration like 30s, 15m, 2h or 7d', 'OSP_ERR_CLI_FLAG');
    from = formatUs(nowUs() - Number(m[1]) * UNIT_US[m[2] as keyof typeof UNIT_US]);
  }
  return {
    agent: f.agent,
    provider: f.provider,
    model: f.model,
    process: f.process,
    container: f.container,
    pod: f.pod,
    namespace: f.namespace,
    from,
    to: f.to === undefined ? undefined : checkedTime(f.to, '--to'),
    q: f.text,
    guardrail: f.guardrail === true ? 'any' : f.guardrail,
    status: f.status,
    source: f.source,
  };
}
