/**
 * Runs bpf/osprey-loader as a child process: records come back on its stdout, attach commands go
 * to its stdin. The loader exits when its stdin closes, so it can never outlive the agent.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { UserFacingError } from '../util/errors.js';
import { RecordDecoder } from './decode.js';
import type { SensorRecord } from './records.js';
import type { AttachTarget } from './targets.js';

export function defaultLoaderPath(): string {
  if (process.env.OSPREY_LOADER) return process.env.OSPREY_LOADER;
  // dist/src/sensor/loader-client.js → <repo>/bpf/osprey-loader
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'bpf', 'osprey-loader');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return join(process.cwd(), 'bpf', 'osprey-loader');
}

export interface LoaderOptions {
  path?: string;
  ringbufMb?: number;
  onRecord: (r: SensorRecord) => void;
  /** Raw loader output is also appended here, for `osprey replay` and benchmarks. */
  recordTo?: Writable;
  /** The loader ended (crash, kill, or after stop()). */
  onExit: (code: number | null, lastError: string | null) => void;
}

export class LoaderClient {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly decoder = new RecordDecoder();
  private lastError: string | null = null;
  private readyResolve!: (pid: number) => void;
  private readyReject!: (e: Error) => void;
  readonly ready: Promise<number>;

  constructor(opts: LoaderOptions) {
    const path = opts.path ?? defaultLoaderPath();
    if (!existsSync(path)) {
      throw new UserFacingError(`the eBPF loader is not built (${path} is missing): run 'make -C bpf' or 'npm run build'`);
    }
    this.ready = new Promise((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    this.child = spawn(path, ['-r', String(opts.ringbufMb ?? 32)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (chunk: Buffer) => {
      opts.recordTo?.write(chunk);
      this.decoder.push(chunk, (r) => {
        if (r.kind === 'ready') this.readyResolve(r.loaderPid);
        opts.onRecord(r);
      });
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (text: string) => {
      for (const line of text.split('\n')) {
        const trimmed = line.trim();
        if (trimmed) this.lastError = trimmed;
      }
    });
    this.child.stdin.on('error', () => undefined); // the loader died; onExit reports it
    this.child.on('error', (e) => this.readyReject(new UserFacingError(`cannot start the eBPF loader ${path}: ${e.message}`)));
    this.child.on('exit', (code) => {
      this.readyReject(new UserFacingError(explainLoaderFailure(this.lastError)));
      opts.onExit(code, this.lastError);
    });
  }

  attach(t: AttachTarget): void {
    this.command(`attach ${t.id} ${t.library} ${t.path}`);
  }

  ignore(pid: number): void {
    this.command(`ignore ${pid}`);
  }

  /** Capture plaintext HTTP on new connections to this port (Ollama, vLLM, internal gateways). */
  watchPlaintextPort(port: number): void {
    this.command(`plainport ${port}`);
  }

  /** Closes stdin: the loader drains its ring buffer, detaches everything and exits. */
  stop(): void {
    this.child.stdin.end();
  }

  private command(line: string): void {
    if (!this.child.stdin.destroyed) this.child.stdin.write(line + '\n');
  }
}

/** Turns libbpf's last complaint into one line a user can act on. */
export function explainLoaderFailure(lastError: string | null): string {
  const why = lastError ?? 'it exited without saying why';
  if (/Operation not permitted|EPERM|permission/i.test(why)) {
    return `the eBPF loader was refused by the kernel (${why}): run as root or with CAP_BPF and CAP_PERFMON`;
  }
  if (/tracefs|debugfs|tracing/i.test(why)) {
    return `the eBPF loader could not attach tracepoints (${why}): is tracefs mounted at /sys/kernel/tracing?`;
  }
  return `the eBPF loader failed: ${why}`;
}
