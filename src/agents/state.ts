/**
 * The agents state file: the running agent writes a discovery snapshot here periodically, and
 * `osprey agents` reads it (the CLI has no other channel to the agent).
 *
 * Format: one JSON object, AgentsSnapshot (see discovery.ts), `schemaVersion: 1`, UTF-8, written
 * atomically (temporary file in the same directory, fsync, rename) so a reader never sees half a
 * file. Mode 0640: it holds (redacted) command lines. Default path /var/lib/osprey/agents.json,
 * or $OSPREY_AGENTS_STATE.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { diagnostics } from '../telemetry/log.js';
import { UserFacingError } from '../util/errors.js';
import type { AgentDiscovery, AgentsSnapshot } from './discovery.js';

export const DEFAULT_AGENTS_STATE_PATH = process.env.OSPREY_AGENTS_STATE ?? '/var/lib/osprey/agents.json';
export const DEFAULT_STATE_INTERVAL_MS = 10_000;

/** Writes the snapshot atomically. Throws on I/O errors (the periodic writer logs them instead). */
export function writeAgentsState(path: string, snapshot: AgentsSnapshot): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o640);
  try {
    writeSync(fd, `${JSON.stringify(snapshot, null, 2)}\n`);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

export interface AgentsStateRead {
  snapshot: AgentsSnapshot;
  /** When the file was last written (its mtime), epoch ms. */
  writtenAtMs: number;
}

/** Reads and checks a state file. Throws UserFacingError saying what to do when it is missing or not one. */
export function readAgentsState(path: string): AgentsStateRead {
  let text: string;
  let mtimeMs: number;
  try {
    text = readFileSync(path, 'utf8');
    mtimeMs = statSync(path).mtimeMs;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UserFacingError(`no agents state at ${path}: is \`osprey agent\` running on this host? It writes this file every ${DEFAULT_STATE_INTERVAL_MS / 1000} s (use --state to read another file)`, 'OSP_ERR_AGENTS_STATE_MISSING');
    }
    if (code === 'EACCES') throw new UserFacingError(`cannot read ${path}: permission denied (run as root)`, 'OSP_ERR_AGENTS_STATE_ACCESS');
    throw new UserFacingError(`cannot read ${path}: ${(err as Error).message}`, 'OSP_ERR_AGENTS_STATE_READ');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UserFacingError(`${path} is not JSON: not an Osprey agents state file`, 'OSP_ERR_AGENTS_STATE_INVALID');
  }
  const s = parsed as Partial<AgentsSnapshot> | null;
  if (!s || typeof s !== 'object' || s.schemaVersion !== 1 || !Array.isArray(s.discoveredProcesses) || !Array.isArray(s.mappedAgents)) {
    throw new UserFacingError(`${path} is not an Osprey agents state file (schemaVersion 1 expected)`, 'OSP_ERR_AGENTS_STATE_INVALID');
  }
  return { snapshot: s as AgentsSnapshot, writtenAtMs: mtimeMs };
}

export interface AgentsStateWriter {
  /** Writes a snapshot now (e.g. at shutdown). Never throws. */
  writeNow(): void;
  /** Stops the timer and writes one last snapshot. Idempotent. */
  stop(): void;
}

/**
 * Writes `discovery.snapshot()` to `path` every `intervalMs` (timer unref'd, so it never keeps
 * the process alive) and once right away. A failed write is warned about once per distinct error.
 */
export function startAgentsStateWriter(opts: {
  discovery: AgentDiscovery;
  path?: string;
  intervalMs?: number;
  /** Overrides the snapshot's processesMonitored (e.g. the pipeline's process count). */
  processesMonitored?: () => number;
}): AgentsStateWriter {
  const path = opts.path ?? DEFAULT_AGENTS_STATE_PATH;
  let stopped = false;
  const writeNow = (): void => {
    try {
      const monitored = opts.processesMonitored?.();
      writeAgentsState(path, opts.discovery.snapshot(monitored === undefined ? {} : { processesMonitored: monitored }));
    } catch (err) {
      diagnostics.warnOnce(`agents-state:${(err as NodeJS.ErrnoException).code ?? 'error'}`, `could not write the agents state file ${path}: ${(err as Error).message}`);
    }
  };
  writeNow();
  const timer = setInterval(writeNow, opts.intervalMs ?? DEFAULT_STATE_INTERVAL_MS);
  timer.unref();
  return {
    writeNow,
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      writeNow();
    },
  };
}
