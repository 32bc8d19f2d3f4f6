/**
 * The bpf/osprey-enforcer binary, from TypeScript: one-shot commands (load, apply, status, off,
 * kill, signal, usage) each print one JSON document; `run` is a long-lived child whose stdout is
 * a stream of JSON lines (audit records, and one answer per command written to its stdin, in
 * order) and which exits when its stdin closes, so it never outlives its parent.
 */
import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { UserFacingError } from '../util/errors.js';

export const DEFAULT_PIN_DIR = '/sys/fs/bpf/osprey/enforce';

export function defaultEnforcerPath(): string {
  if (process.env.OSPREY_ENFORCER) return process.env.OSPREY_ENFORCER;
  // dist/src/enforce/enforcer.js → <repo>/bpf/osprey-enforcer
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'bpf', 'osprey-enforcer');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return join(process.cwd(), 'bpf', 'osprey-enforcer');
}

export interface EnforcerOptions {
  /** Path of osprey-enforcer (default: $OSPREY_ENFORCER, else bpf/osprey-enforcer of this checkout). */
  binary?: string;
  /** Where programs, links and maps are pinned (default $OSPREY_ENFORCE_PIN_DIR or /sys/fs/bpf/osprey/enforce). */
  pinDir?: string;
  /** cgroup v2 directory the egress programs attach to (default: the root of the v2 hierarchy). */
  cgroup?: string;
}

export interface HookStatus {
  hook: string;
  attached?: boolean;
  pinned?: boolean;
  link_id?: number;
  prog_id?: number;
  cgroup_id?: number;
}

export interface KernelRule {
  slot: number;
  name: string;
  kind: 'deny' | 'allow' | 'rate' | 'exec';
  mode: 'observe' | 'alert' | 'enforce';
  scope: number;
  hits: number;
  blocked: number;
  audit_lost: number;
  window_ns?: number;
  max_calls?: number;
  max_conns?: number;
  max_bytes?: number;
}

export interface KernelBucket {
  rule: number;
  cgroup_id: number;
  window_age_s: number;
  calls: number;
  conns: number;
  bytes: number;
  refused: number;
}

export interface KernelStatus {
  loaded: boolean;
  pin_dir: string;
  abi?: number;
  gen?: number;
  applies?: number;
  applied_ago_s?: number;
  dns_grace_s?: number;
  hooks?: HookStatus[];
  policy_flags?: number;
  rules?: KernelRule[];
  buckets?: KernelBucket[];
  stats?: Record<string, number>;
  names?: { hash: string; wildcard: number; host: number }[];
  learned?: { addr: string; expires_in_s: number; hosts: number[] }[];
}

export interface ApplyReport {
  applied: true;
  gen: number;
  applies: number;
  rules: number;
  destinations: number;
  scoped_cgroups: number;
  binaries: number;
  paths: number;
  names: number;
  learned: number;
}

export interface KillReport {
  type: 'kill';
  pid: number;
  connections?: { src: string; sport: number; dst: string; dport: number; destroyed: boolean; error?: string }[];
  destroyed?: number;
  error?: string;
}

export interface SignalReport {
  type: 'signal';
  pid: number;
  signal: number;
  sent: boolean;
  error?: string;
}

export interface UsageReport {
  type: 'usage';
  rule_slot: number;
  cgroup_id?: number;
  calls_in_window?: number;
  over?: boolean;
  error?: string;
}

export class EnforcerError extends UserFacingError {
  constructor(message: string) {
    super(message, 'OSP_ERR_ENFORCER');
  }
}

export class Enforcer {
  readonly binary: string;
  readonly pinDir: string;
  readonly cgroup: string | undefined;

  constructor(opts: EnforcerOptions = {}) {
    this.binary = opts.binary ?? defaultEnforcerPath();
    this.pinDir = opts.pinDir ?? process.env.OSPREY_ENFORCE_PIN_DIR ?? DEFAULT_PIN_DIR;
    this.cgroup = opts.cgroup ?? process.env.OSPREY_ENFORCE_CGROUP;
  }

  private baseArgs(): string[] {
    return ['-P', this.pinDir, ...(this.cgroup ? ['-C', this.cgroup] : [])];
  }

  private checkBuilt(): void {
    if (!existsSync(this.binary)) throw new EnforcerError(`the enforcer is not built (${this.binary} is missing): run 'make -C bpf'`);
  }

  /** Runs one command; resolves with its JSON output, rejects with its one-line complaint. */
  run<T>(args: string[], stdin?: string): Promise<T> {
    this.checkBuilt();
    return new Promise((resolve, reject) => {
      const child = execFile(this.binary, [...this.baseArgs(), ...args], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) {
          const why = stderr.trim().split('\n').filter(Boolean).pop() ?? err.message;
          reject(new EnforcerError(why.replace(/^osprey-enforcer: /, '')));
          return;
        }
        try {
          resolve(JSON.parse(stdout) as T);
        } catch {
          reject(new EnforcerError(`osprey-enforcer ${args[0]} printed something that is not JSON: ${stdout.slice(0, 200)}`));
        }
      });
      if (stdin !== undefined) child.stdin?.end(stdin);
    });
  }

  load(): Promise<{ loaded: true; hooks: { hook: string; status: string }[] }> {
    return this.run(['load']);
  }

  apply(compiledText: string): Promise<ApplyReport> {
    return this.run(['apply', '-'], compiledText);
  }

  status(): Promise<KernelStatus> {
    return this.run(['status']);
  }

  off(): Promise<{ off: true; removed: number }> {
    return this.run(['off']);
  }

  kill(pid: number, destinations: readonly string[] = []): Promise<KillReport> {
    return this.run(['kill', String(pid), ...destinations]);
  }

  signal(pid: number, startTicks: number, signo: number): Promise<SignalReport> {
    return this.run(['signal', String(pid), String(startTicks), String(signo)]);
  }

  usage(ruleSlot: number, cgroupId: bigint, calls: number, bytes = 0): Promise<UsageReport> {
    return this.run(['usage', String(ruleSlot), cgroupId.toString(), String(calls), String(bytes)]);
  }

  /** Starts `osprey-enforcer run`. */
  startDaemon(onRecord: (rec: DaemonRecord) => void): EnforcerDaemon {
    this.checkBuilt();
    return new EnforcerDaemon(this.binary, this.baseArgs(), onRecord);
  }
}

/** A line the daemon printed that is not the answer to a command. */
export type DaemonRecord = { type: string; [k: string]: unknown };

const ANSWER_TYPES = new Set(['usage', 'learn', 'kill', 'signal', 'sweep', 'pong', 'error']);

export class EnforcerDaemon {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly pending: { resolve: (v: DaemonRecord) => void; reject: (e: Error) => void }[] = [];
  private lastError: string | null = null;
  readonly ready: Promise<number>;
  readonly exited: Promise<number | null>;

  constructor(binary: string, args: string[], onRecord: (rec: DaemonRecord) => void) {
    this.child = spawn(binary, [...args, 'run'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let readyResolve!: (pid: number) => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    this.ready.catch(() => undefined);
    const lines = createInterface({ input: this.child.stdout });
    lines.on('line', (line) => {
      let rec: DaemonRecord;
      try {
        rec = JSON.parse(line) as DaemonRecord;
      } catch {
        return;
      }
      if (rec.type === 'ready') readyResolve(rec.pid as number);
      if (ANSWER_TYPES.has(rec.type)) {
        this.pending.shift()?.resolve(rec);
        return;
      }
      onRecord(rec);
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (t: string) => {
      const last = t.trim().split('\n').filter(Boolean).pop();
      if (last) this.lastError = last.replace(/^osprey-enforcer: /, '');
    });
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code) => {
        const err = new EnforcerError(`the enforcer daemon exited (${code ?? 'signal'}): ${this.lastError ?? 'no reason given'}`);
        readyReject(err);
        for (const p of this.pending.splice(0)) p.reject(err);
        resolve(code);
      });
    });
    this.child.on('error', (e) => readyReject(new EnforcerError(`cannot start ${binary}: ${e.message}`)));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends one command; resolves with its answer. */
  command(line: string): Promise<DaemonRecord> {
    if (this.child.stdin.destroyed || this.child.exitCode !== null) return Promise.reject(new EnforcerError('the enforcer daemon is not running'));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.child.stdin.write(line + '\n');
    });
  }

  /** Closes stdin: the daemon drains the audit ring buffer and exits. */
  async stop(): Promise<void> {
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGTERM'), 3000);
    await this.exited;
    clearTimeout(timer);
  }
}
