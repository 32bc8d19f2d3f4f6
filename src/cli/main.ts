/**
 * The `osprey` command. Expected failures (no privilege, missing kernel feature, bad flag) print
 * one line and exit non-zero; only a bug shows a stack trace.
 */
import { Command, InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import { DEFAULT_CONFIG_PATH, loadAgentConfigOrDefault } from '../config/agent-config.js';
import { requirePrivileges, runAgent } from '../agent/run.js';
import { replayRecording } from '../agent/replay.js';
import { pipelineOptionsFrom } from '../agent/pipeline.js';
import { createJsonlSink } from '../sinks/jsonl/sink.js';
import { checkDestinationFlags, createAgentSink, type DestinationFlags } from '../sinks/agent-sink.js';
import { DEFAULT_SPOOL_DIR } from '../sinks/http/config.js';
import { OspreyError } from '../util/errors.js';
import { parseListen } from '../telemetry/metrics-server.js';
import { runDoctor } from './doctor.js';
import { runUp } from './up.js';
import { DEFAULT_DATA_DIR } from '../server/cli/store-location.js';
import { registerAgentsCommands } from './agents-commands.js';
import { registerServerCommands } from './server-commands.js';
import { registerEnforceCommands } from './enforce-commands.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

function portList(value: string): number[] {
  const ports = value.split(',').map((p) => Number(p.trim()));
  if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) throw new InvalidArgumentError('expected ports 1-65535 separated by commas, e.g. 11434,8000');
  return ports;
}

const program = new Command()
  .name('osprey')
  .description('See what AI agents on this host ask LLM providers, from the kernel, without touching their code')
  .version(pkg.version);

program
  .command('agent')
  .description('capture LLM calls made by any process on this host (needs root)')
  .option('--jsonl <file>', "write one LlmCall record per line to this file ('-' for stdout)")
  .option('--server <url>', 'deliver LlmCall records to an Osprey server (batched, gzip, retried; spooled on disk while it is unreachable)')
  .option('--token <token>', 'ingest token for --server (default: $OSPREY_TOKEN)')
  .option('--otlp <url>', 'export LlmCall records as OTLP/HTTP GenAI spans to this collector (base URL or .../v1/traces)')
  .option('--spool-dir <dir>', 'where records wait until --server/--otlp acknowledge them (survives restarts; 1 GiB cap per destination)', DEFAULT_SPOOL_DIR)
  .option('--ringbuf-mb <n>', 'kernel ring buffer size in MiB (power of two)', positiveInt, 32)
  .option('--metrics <host:port>', 'serve Prometheus metrics (drops by reason, calls, bytes) on /metrics')
  .option('--demo', 'also run a demo workload: a local provider-like server and real clients calling it')
  .option('--record <file>', 'also append the raw sensor output to this file, for `osprey replay`')
  .option('--config <file>', `agent config (YAML: capture, endpoints, guardrails, agents); default $OSPREY_CONFIG or ${DEFAULT_CONFIG_PATH} when it exists`)
  .option('--plaintext-ports <list>', 'comma-separated destination ports carrying plaintext HTTP to LLM servers (overrides capture.plaintext_ports; default 11434)', portList)
  .action(async (opts: { jsonl?: string; server?: string; token?: string; otlp?: string; spoolDir: string; ringbufMb: number; metrics?: string; demo?: boolean; config?: string; plaintextPorts?: number[]; record?: string }) => {
    const destinations: DestinationFlags = { jsonl: opts.jsonl, server: opts.server, token: opts.token ?? process.env.OSPREY_TOKEN, otlp: opts.otlp, spoolDir: opts.spoolDir, version: pkg.version };
    checkDestinationFlags(destinations); // a bad flag is reported before the privilege check
    requirePrivileges(); // before the spool directory under /var/lib is created
    const config = loadAgentConfigOrDefault(opts.config);
    await runAgent({
      sink: createAgentSink(destinations),
      ringbufMb: opts.ringbufMb,
      metrics: opts.metrics === undefined ? undefined : parseListen(opts.metrics, '--metrics'),
      demo: opts.demo === true,
      recordPath: opts.record,
      config: opts.plaintextPorts ? { ...config, plaintextPorts: opts.plaintextPorts } : config,
    });
  });

program
  .command('up')
  .description("Osprey's main job on this host: the server (SQLite store, query API) and the agent delivering to it (needs root)")
  .option('--data-dir <dir>', 'where the store, spool and local tokens live', DEFAULT_DATA_DIR)
  .option('--listen <host:port>', 'server address', '127.0.0.1:7070')
  .option('--jsonl <file>', "also write every record as a JSON line here ('-' for stdout)")
  .option('--demo', 'also run a demo workload: a local provider-like server and real clients calling it')
  .option('--ringbuf-mb <n>', 'kernel ring buffer size in MiB (power of two)', positiveInt, 32)
  .option('--metrics <host:port>', 'serve the agent\'s Prometheus metrics on /metrics')
  .option('--config <file>', `agent config; default $OSPREY_CONFIG or ${DEFAULT_CONFIG_PATH} when it exists`)
  .action(async (opts: { dataDir: string; listen: string; jsonl?: string; demo?: boolean; ringbufMb: number; metrics?: string; config?: string }) => {
    await runUp({
      dataDir: opts.dataDir,
      listen: opts.listen,
      jsonl: opts.jsonl,
      demo: opts.demo === true,
      ringbufMb: opts.ringbufMb,
      metrics: opts.metrics === undefined ? undefined : parseListen(opts.metrics, '--metrics'),
      config: loadAgentConfigOrDefault(opts.config),
    });
  });

program
  .command('replay')
  .description('run the pipeline over sensor output recorded with `agent --record`, without a kernel')
  .argument('<file>', 'a recording')
  .requiredOption('--jsonl <file>', "write the LlmCall records here ('-' for stdout)")
  .option('--config <file>', 'agent config (endpoints, guardrails, content capture)')
  .action(async (file: string, opts: { jsonl: string; config?: string }) => {
    const stats = await replayRecording(file, createJsonlSink(opts.jsonl), pipelineOptionsFrom(loadAgentConfigOrDefault(opts.config)));
    process.stderr.write(`osprey: replayed ${stats.records} records (${stats.bytes} bytes)\n`);
  });

program
  .command('doctor')
  .description('report which kernel features Osprey needs are available on this host, and what a missing one costs')
  .option('--json', 'print the report as JSON')
  .action(async (opts: { json?: boolean }) => {
    process.exitCode = await runDoctor({ json: opts.json === true });
  });

registerAgentsCommands(program);

program
  .command('version')
  .description('print the version')
  .action(() => console.log(pkg.version));


registerServerCommands(program);
registerEnforceCommands(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof OspreyError) {
    process.stderr.write(`osprey: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
});
