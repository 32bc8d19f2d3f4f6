/**
 * Runs the real agent (`bin/osprey agent`) as root in the background for end-to-end tests, and
 * reads back the LlmCall records it writes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LlmCall } from '../../src/telemetry/llm-call.js';
import { REPO_ROOT } from './fixtures.js';

/** The record's input messages as text, for finding a test's marker ('' when it has none). */
export function inputText(r: LlmCall): string {
  return JSON.stringify(r.attributes['gen_ai.input.messages'] ?? '');
}

/** Records whose input mentions the marker: the agent sees every process on the host, not only ours. */
export function withMarker(records: LlmCall[], marker: string): LlmCall[] {
  return records.filter((r) => inputText(r).includes(marker));
}

export interface RunningAgent {
  child: ChildProcess;
  jsonlPath: string;
  stderr(): string;
  records(): LlmCall[];
  /** Waits until `predicate` holds for the records (polling), or fails after `timeoutMs`. */
  waitFor(predicate: (records: LlmCall[]) => boolean, timeoutMs?: number): Promise<LlmCall[]>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startAgent(requiredAttachments: RegExp[], extraArgs: string[] = []): Promise<RunningAgent> {
  const dir = mkdtempSync(join(tmpdir(), 'osprey-agent-'));
  const jsonlPath = join(dir, 'calls.jsonl');
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'osprey'), 'agent', '--jsonl', jsonlPath, ...extraArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (t: string) => (stderr += t));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const records = (): LlmCall[] => {
    if (!existsSync(jsonlPath)) return [];
    return readFileSync(jsonlPath, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as LlmCall);
  };
  const agent: RunningAgent = {
    child,
    jsonlPath,
    stderr: () => stderr,
    records,
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const rs = records();
        if (predicate(rs)) return rs;
        if (Date.now() > deadline) throw new Error(`timed out waiting for records; have ${rs.length}; agent stderr:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(signal = 'SIGINT') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
  const deadline = Date.now() + 60_000;
  while (!requiredAttachments.every((re) => re.test(stderr))) {
    if (child.exitCode !== null) throw new Error(`agent exited early (${child.exitCode}):\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`agent did not attach in time:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return agent;
}
