/**
 * wrk (Debian's, linked to the system libssl, so the agent captures it like any client on the host)
 * run inside a mount namespace whose /etc/hosts points api.openai.com at loopback: SNI and Host
 * are the provider's, so the agent treats its requests as LLM calls.
 */
import { spawn } from 'node:child_process';
import { WITH_HOSTS } from './servers.js';

export interface WrkOptions {
  hostsFile: string;
  script: string;
  url: string;
  threads: number;
  connections: number;
  durationS: number;
  env?: Record<string, string>;
}

export interface WrkResult {
  requests: number;
  durationS: number;
  requestsPerSec: number;
  latencyMs: { p50: number; p75: number; p90: number; p99: number };
  non2xx: number;
  socketErrors: number;
  raw: string;
}

function toMs(value: string, unit: string): number {
  const v = Number(value);
  if (unit === 'us') return v / 1000;
  if (unit === 's') return v * 1000;
  if (unit === 'm') return v * 60_000;
  return v;
}

export function parseWrk(out: string): WrkResult {
  const req = /(\d+) requests in ([\d.]+)(us|ms|s|m),/.exec(out);
  if (!req) throw new Error(`cannot parse wrk output:\n${out}`);
  const lat = (p: string): number => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    return m ? toMs(m[1] as string, m[2] as string) : NaN;
  };
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const durationS = toMs(req[2] as string, req[3] as string) / 1000;
  return {
    requests: Number(req[1]),
    durationS,
    requestsPerSec: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number(req[1]) / durationS),
    latencyMs: { p50: lat('50'), p75: lat('75'), p90: lat('90'), p99: lat('99') },
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    raw: out,
  };
}

/** Starts wrk; `pid` is wrk's own pid (with-hosts.sh, unshare and sh all exec into it). */
export function startWrk(o: WrkOptions): { pid: number; done: Promise<WrkResult>; interrupt(): void } {
  const child = spawn(
    WITH_HOSTS,
    [o.hostsFile, 'wrk', `-t${o.threads}`, `-c${o.connections}`, `-d${o.durationS}s`, '--latency', '-s', o.script, o.url],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.env } },
  );
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
  const done = new Promise<WrkResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`wrk exited ${code}: ${err}${out}`));
      else resolve(parseWrk(out));
    });
  });
  // wrk prints its summary when interrupted, as at the end of its duration.
  return { pid: child.pid as number, done, interrupt: () => child.kill('SIGINT') };
}
