/**
 * The server-side commands of `osprey`: `server` (with `token` and `agent` admin subcommands),
 * and the query commands `calls`, `stats`, `trace`. Registered on the main program by one call,
 * `registerServerCommands(program)`; the work lives in src/server/cli/.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { readLocalTokens } from './up.js';
import { DEFAULT_BODY_LIMIT_BYTES } from '../server/app.js';
import { TOKEN_SCOPES } from '../server/auth/tokens.js';
import { createToken, printTokens, revoke, setHalted } from '../server/cli/admin-commands.js';
import { DEFAULT_SERVER, type ApiTarget } from '../server/cli/api-client.js';
import { showCall, showCalls, showStats, showTrace } from '../server/cli/query-commands.js';
import { addFilterFlags } from '../server/cli/query-flags.js';
import { runServer } from '../server/cli/serve.js';
import { DEFAULT_DATA_DIR, type StoreFlags } from '../server/cli/store-location.js';
import { MAX_PAGE_SIZE } from '../server/plugins/query.js';
import type { TokenScope } from '../server/store/schema.js';
import { STATS_GROUPS } from '../server/store/stats.js';

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function pageSize(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_PAGE_SIZE}`);
  return n;
}

function withApiFlags(cmd: Command): Command {
  return cmd
    .option('--server <url>', 'Osprey server (env OSPREY_SERVER)', process.env.OSPREY_SERVER ?? DEFAULT_SERVER)
    .option('--token <token>', 'read token (env OSPREY_TOKEN; on an `osprey up` host, its local read token)')
    .option('--json', 'print JSON instead of a table');
}

function apiTarget(flags: { server: string; token?: string }): ApiTarget {
  // On the host where `osprey up` runs, its read token works without being typed.
  return { server: flags.server, token: flags.token || process.env.OSPREY_TOKEN || readLocalTokens()?.read };
}

function withStoreFlags(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'directory of the SQLite database', DEFAULT_DATA_DIR)
    .option('--db <url>', 'use PostgreSQL at this URL (postgres://…) instead of SQLite');
}

function registerServer(program: Command): void {
  const server = withStoreFlags(program.command('server').description('store LLM calls sent by agents, SDKs and OTLP exporters, and answer queries'))
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:7070')
    .option('--retention-days <n>', 'delete data older than this many days (checked hourly)', positiveNumber)
    .option('--prices <file>', 'JSON or YAML price table laid over the built-in one ({"model": {"input": USD/1M, "output": USD/1M}})')
    .option('--probe-config <file>', 'JSON or YAML config handed to eBPF probes (endpoints, guardrails, mappings)')
    .option('--body-limit-mb <n>', 'largest request body, after decompression', positiveNumber, DEFAULT_BODY_LIMIT_BYTES / 1024 / 1024)
    // `server` and its subcommands share flag names (--data-dir, --db): with positional options
    // a flag after `token create` belongs to `token create`, not to `server`.
    .enablePositionalOptions()
    .action(runServer);

  const token = server.command('token').description('API tokens (ingest for agents and SDKs, read for queries)');
  withStoreFlags(token.command('create').description('create a token and print it once'))
    .addOption(new Option('--scope <scope>', 'what the token may do').choices(TOKEN_SCOPES).makeOptionMandatory())
    .option('--name <name>', 'a label to recognise it by')
    .action((flags: StoreFlags & { scope: TokenScope; name?: string }) => createToken(flags));
  withStoreFlags(token.command('list').description('list tokens (never their secrets)')).action((flags: StoreFlags) => printTokens(flags));
  withStoreFlags(token.command('revoke').description('revoke a token by id').argument('<id>')).action((id: string, flags: StoreFlags) => revoke({ ...flags, id }));

  const agent = server.command('agent').description('the kill switch NodeLoom SDKs poll (GET /api/sdk/v1/agents/{name}/control)');
  withStoreFlags(agent.command('halt').description('halt an agent').argument('<name>'))
    .option('--reason <text>', 'shown to the agent')
    .action((name: string, flags: StoreFlags & { reason?: string }) => setHalted({ ...flags, agent: name, halted: true }));
  withStoreFlags(agent.command('resume').description('let a halted agent run again').argument('<name>')).action((name: string, flags: StoreFlags) =>
    setHalted({ ...flags, agent: name, halted: false }),
  );
}

function registerQueries(program: Command): void {
  addFilterFlags(withApiFlags(program.command('calls').description('list stored LLM calls, newest first; with a span id, show one call in full')))
    .argument('[spanId]')
    .option('--limit <n>', `calls per page (1-${MAX_PAGE_SIZE})`, pageSize, 50)
    .option('--cursor <cursor>', 'continue after the previous page')
    .action((spanId: string | undefined, flags) => (spanId === undefined ? showCalls(apiTarget(flags), flags) : showCall(apiTarget(flags), spanId)));

  addFilterFlags(withApiFlags(program.command('stats').description('calls, tokens and cost per agent, model or provider (last 24 hours unless --since/--from)')))
    .addOption(new Option('--by <group>', 'group by').choices(STATS_GROUPS).default('model'))
    .option('--bucket <duration>', 'also break down over time in buckets of 5m, 1h, 1d …')
    .action((flags) => showStats(apiTarget(flags), flags));

  withApiFlags(program.command('trace').description('one trace in full: SDK spans, LLM calls, events, feedback'))
    .argument('<traceId>')
    .action((traceId: string, flags) => showTrace(apiTarget(flags), traceId));
}

export function registerServerCommands(program: Command): void {
  // Commander applies `server`'s positional options only when its parent has them too; the root
  // has no options of its own beyond --version/--help, which stay where they are.
  program.enablePositionalOptions();
  registerServer(program);
  registerQueries(program);
}
