/**
 * `osprey agent`: checks privileges and kernel filesystems, starts the loader, attaches TLS probes
 * to every binary that needs them (now and as programs start), runs the pipeline, and on
 * SIGINT/SIGTERM drains the kernel, completes what it can and flushes the sink before exiting.
 */
import { createWriteStream } from 'node:fs';
import { LoaderClient } from '../sensor/loader-client.js';
import { BPFFS, TRACEFS, ensureMounted } from '../sensor/kernel-fs.js';
import type { AttachRecord } from '../sensor/records.js';
import { TargetFinder, type AttachTarget } from '../sensor/targets.js';
import type { Sink } from '../sinks/types.js';
import { events } from '../telemetry/internal-events.js';
import { diagnostics } from '../telemetry/log.js';
import { UserFacingError } from '../util/errors.js';
import { startDemoWorkload } from '../demo/workload.js';
import { startMetricsServer } from '../telemetry/metrics-server.js';
import { Pipeline, pipelineOptionsFrom } from './pipeline.js';
import { AgentDiscovery } from '../agents/discovery.js';
import { startAgentsStateWriter } from '../agents/state.js';
import { startEnforcement } from './enforcement.js';
import type { AgentConfig } from '../config/agent-config.js';

export interface AgentOptions {
  sink: Sink;
  ringbufMb: number;
  /** Serve Prometheus metrics here. */
  metrics?: { host: string; port: number };
  /** Also run the demo workload (a local provider-like server and clients calling it). */
  demo?: boolean;
  /** Append the loader's raw output to this file (see `osprey replay`). */
  recordPath?: string;
  /** The agent's config file, parsed (plaintext ports, content capture, endpoints, guardrails). */
  config: AgentConfig;
}

/** Libraries loaded with dlopen after exec (CPython's _ssl) show up in maps a little later. */
const RESCAN_AFTER_EXEC_MS = [50, 500];
const LOADER_READY_TIMEOUT_MS = 30_000;
const SWEEP_INTERVAL_MS = 1000;

export function requirePrivileges(): void {
  if (process.geteuid?.() !== 0) {
    throw new UserFacingError('the agent loads eBPF programs and must run as root (or with CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)', 'OSP_ERR_PRIVILEGE');
  }
}

export async function runAgent(opts: AgentOptions): Promise<void> {
  requirePrivileges();
  const tracefsProblem = ensureMounted(TRACEFS);
  if (tracefsProblem) throw new UserFacingError(`tracefs is not mounted at ${TRACEFS.mountPoint} and mounting it failed (${tracefsProblem}): process and socket tracepoints need it`);
  const bpffsProblem = ensureMounted(BPFFS);
  if (bpffsProblem) diagnostics.warn(`bpffs could not be mounted at ${BPFFS.mountPoint} (${bpffsProblem}); capture works, pinned enforcement maps will not`);

  const targets = new Map<number, AttachTarget>();
  const attachResults = new Map<number, AttachRecord[]>();
  let finder: TargetFinder | null = null;
  const fromConfig = pipelineOptionsFrom(opts.config);
  const discovery = new AgentDiscovery({ rules: fromConfig.agents });
  const enforcement = await startEnforcement(opts.config);
  const pipeline = new Pipeline(opts.sink, {
    ...fromConfig,
    discovery,
    onCall: enforcement ? (call) => enforcement.noteCall(call) : undefined,
    onExec: (pid) => {
      finder?.scanProcess(pid);
      for (const ms of RESCAN_AFTER_EXEC_MS) setTimeout(() => finder?.scanProcess(pid), ms).unref();
    },
  });

  let exited: (code: number | null) => void = () => undefined;
  const loaderExited = new Promise<number | null>((resolve) => (exited = resolve));
  let stopping = false;
  const recording = opts.recordPath ? createWriteStream(opts.recordPath, { flags: 'a' }) : undefined;
  const loader = new LoaderClient({
    ringbufMb: opts.ringbufMb,
    recordTo: recording,
    onRecord: (r) => {
      if (r.kind === 'attach') noteAttach(r, targets, attachResults);
      pipeline.handle(r);
    },
    onExit: (code, lastError) => {
      if (!stopping && code !== null) diagnostics.warn(`the eBPF loader exited (code ${code}${lastError ? `: ${lastError}` : ''})`);
      exited(code);
    },
  });
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new UserFacingError(`the eBPF loader did not become ready within ${LOADER_READY_TIMEOUT_MS / 1000} s`)), LOADER_READY_TIMEOUT_MS).unref(),
  );
  const loaderPid = await Promise.race([loader.ready, timeout]);
  discovery.ignorePid(loaderPid);
  const agentsState = startAgentsStateWriter({ discovery });
  loader.ignore(process.pid);
  for (const port of opts.config.plaintextPorts) loader.watchPlaintextPort(port);
  finder = new TargetFinder((t) => {
    targets.set(t.id, t);
    loader.attach(t);
  });
  finder.scanHost();
  diagnostics.info(`capturing (loader pid ${loaderPid}); ${targets.size} TLS binaries to attach`);
  if (opts.metrics) {
    const { port } = await startMetricsServer(opts.metrics);
    diagnostics.info(`metrics on http://${opts.metrics.host}:${port}/metrics`);
  }
  const demo = opts.demo ? await startDemoWorkload() : null;

  const sweep = setInterval(() => pipeline.sweep(), SWEEP_INTERVAL_MS);
  const stop = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const loaderCode = await Promise.race([stop.then(() => 'signal' as const), loaderExited]);
  stopping = true;
  clearInterval(sweep);
  agentsState.stop();
  // Pinned enforcement stays in force after the agent exits; only its user-space half stops.
  await enforcement?.stop();
  await demo?.stop();
  if (loaderCode === 'signal') {
    loader.stop(); // the loader drains its ring buffer before it exits
    await loaderExited;
  }
  pipeline.drain();
  await opts.sink.close();
  if (recording) await new Promise((resolve) => recording.end(resolve));
  if (loaderCode !== 'signal') throw new UserFacingError('capture stopped because the eBPF loader exited');
}

function noteAttach(r: AttachRecord, targets: Map<number, AttachTarget>, results: Map<number, AttachRecord[]>): void {
  const target = targets.get(r.targetId);
  if (!target) return;
  const list = results.get(r.targetId) ?? [];
  list.push(r);
  results.set(r.targetId, list);
  if (r.status === 0 && list.filter((x) => x.status === 0).length === 1) {
    events.probeTargetAttached(target.library);
    diagnostics.info(`attached ${target.library} probes to ${target.displayPath}`);
  } else if (r.status !== 0 && r.status !== -2) {
    // -ENOENT only means this binary lacks that symbol (e.g. no SSL_write_ex in an old libssl).
    diagnostics.warn(`could not attach ${r.probe} in ${target.displayPath}: errno ${-r.status}`);
  }
}
