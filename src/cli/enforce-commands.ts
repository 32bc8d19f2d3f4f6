/**
 * `osprey enforce …`: apply a policy, show what is in force, turn it off, report what enforce mode
 * would have blocked, kill a process's connections, and run the user-space half (audit log,
 * host-name refresh, rate-budget feeding).
 */
import { Command, InvalidArgumentError } from 'commander';
import { existsSync } from 'node:fs';
import { AuditLog, buildReport, defaultAuditLog, formatReport, readAudit } from '../enforce/audit.js';
import { agentListerFromConfig } from '../enforce/agents.js';
import { parsePolicy, parseDuration } from '../enforce/policy.js';
import { EnforceRuntime, ruleKillFilters, startTicks } from '../enforce/runtime.js';
import { resolveScopes } from '../enforce/scopes.js';
import { applyPolicy, defaultContext, enforceOff, enforceStatus, formatStatus, readPolicyFile, readState, type EnforceContext } from '../enforce/service.js';
import { OspreyError, UserFacingError } from '../util/errors.js';

const DEFAULT_AGENT_CONFIG = '/etc/osprey/agent.yaml';

interface CommonOpts {
  pinDir?: string;
  cgroup?: string;
  state?: string;
  auditLog?: string;
  config?: string;
}

function withCommon(cmd: Command): Command {
  return cmd
    .option('--pin-dir <dir>', 'bpffs directory of the pinned programs and maps (default $OSPREY_ENFORCE_PIN_DIR or /sys/fs/bpf/osprey/enforce)')
    .option('--cgroup <dir>', 'cgroup v2 directory the egress programs attach to (default: the v2 root; $OSPREY_ENFORCE_CGROUP)')
    .option('--state <file>', 'state file (default $OSPREY_ENFORCE_STATE or /var/lib/osprey/enforce-state.json)')
    .option('--audit-log <file>', 'audit log, JSON lines (default $OSPREY_ENFORCE_AUDIT or /var/lib/osprey/enforce-audit.jsonl)')
    .option('--config <file>', `agent config whose agents: rules resolve agent scopes (default $OSPREY_CONFIG or ${DEFAULT_AGENT_CONFIG})`);
}

function contextOf(opts: CommonOpts): EnforceContext {
  const config = opts.config ?? process.env.OSPREY_CONFIG ?? DEFAULT_AGENT_CONFIG;
  return defaultContext({
    pinDir: opts.pinDir,
    cgroup: opts.cgroup,
    statePath: opts.state,
    auditLog: opts.auditLog ?? defaultAuditLog(),
    listAgent: existsSync(config) ? agentListerFromConfig(config) : null,
  });
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

const SIGNALS: Record<string, number> = { TERM: 15, KILL: 9, STOP: 19, INT: 2, HUP: 1 };

function signalNumber(value: string): number {
  const n = SIGNALS[value.toUpperCase().replace(/^SIG/, '')];
  if (n === undefined) throw new InvalidArgumentError(`expected one of ${Object.keys(SIGNALS).join(', ')}`);
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function printWarnings(warnings: readonly string[]): void {
  for (const w of warnings) process.stderr.write(`osprey: warning: ${w}\n`);
}

export function registerEnforceCommands(program: Command): void {
  const enforce = program.command('enforce').description('enforcement in the kernel: egress rules, rate limits, connection kill, exec blocking (needs root)');

  withCommon(enforce.command('apply'))
    .description('apply a policy atomically; an invalid policy is refused and the previous one stays in force')
    .requiredOption('--policy <file>', 'policy file (YAML)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: CommonOpts & { policy: string; json?: boolean }) => {
      const ctx = contextOf(opts);
      try {
        const res = await applyPolicy(readPolicyFile(opts.policy), opts.policy, ctx);
        printWarnings(res.warnings);
        if (opts.json) {
          console.log(JSON.stringify({ ...res.report, warnings: res.warnings, rules: res.state.rules.map((r) => ({ name: r.name, slot: r.slot, action: r.action, mode: r.mode, scope: r.scopeLabel })) }));
        } else {
          const r = res.report;
          console.log(
            `osprey: policy ${opts.policy} is in force: ${r.rules} rule(s), ${r.destinations} prefix(es), ${r.names} host name(s) (${r.learned} address(es) resolved), ${r.scoped_cgroups} scoped cgroup(s), ${r.binaries} binary(ies); pinned at ${ctx.enforcer.pinDir}`,
          );
        }
      } catch (e) {
        if (e instanceof OspreyError) throw new UserFacingError(`${e.message} — nothing was changed: the previous policy is still in force`, e.code);
        throw e;
      } finally {
        ctx.audit?.close();
      }
    });

  withCommon(enforce.command('check'))
    .description('validate a policy and resolve its scopes without applying it')
    .requiredOption('--policy <file>', 'policy file (YAML)')
    .action(async (opts: CommonOpts & { policy: string }) => {
      const ctx = contextOf(opts);
      const policy = parsePolicy(readPolicyFile(opts.policy));
      const scopes = await resolveScopes(policy.rules, ctx.listAgent);
      printWarnings(scopes.warnings);
      console.log(`osprey: ${opts.policy} is valid: ${policy.rules.length} rule(s), ${scopes.scopes.length} scope(s)`);
    });

  withCommon(enforce.command('status'))
    .description('rules in force with their counters, rate budgets, learned addresses, attached hooks')
    .option('--json', 'print everything as JSON')
    .action(async (opts: CommonOpts & { json?: boolean }) => {
      const view = await enforceStatus(contextOf(opts));
      console.log(opts.json ? JSON.stringify(view) : formatStatus(view));
    });

  withCommon(enforce.command('off'))
    .description('detach every enforcement program and remove every pinned program, link and map')
    .action(async (opts: CommonOpts) => {
      const ctx = contextOf(opts);
      const res = await enforceOff(ctx);
      ctx.audit?.close();
      console.log(`osprey: enforcement is off (${res.removed} pinned object(s) removed from ${ctx.enforcer.pinDir})`);
    });

  withCommon(enforce.command('report'))
    .description('what enforce mode would have blocked (and what it blocked), from the audit log')
    .option('--since <duration>', 'how far back, e.g. 24h, 90m, 7d', '24h')
    .option('--json', 'print the report as JSON')
    .action(async (opts: CommonOpts & { since: string; json?: boolean }) => {
      const ms = parseDuration(opts.since);
      if (ms === null) throw new UserFacingError(`--since: expected a duration like 24h, 90m or 7d (got ${opts.since})`);
      const path = opts.auditLog ?? defaultAuditLog();
      const now = Date.now();
      const { events, malformed } = await readAudit(path, now - ms);
      const report = buildReport(events, now - ms, now, malformed);
      console.log(opts.json ? JSON.stringify(report) : formatReport(report));
    });

  withCommon(enforce.command('kill'))
    .description("destroy a process's TCP connections (SOCK_DESTROY), or signal it; audited")
    .requiredOption('--pid <pid>', 'the process', positiveInt)
    .option('--to <cidr[:port]>', 'only connections to this destination (repeatable)', collect, [] as string[])
    .option('--rule <name>', "only connections to this rule's destinations (prefixes and learned addresses)")
    .option('--signal <sig>', 'also send this signal (TERM, KILL, STOP, INT, HUP) after checking it is the same process', signalNumber)
    .action(async (opts: CommonOpts & { pid: number; to: string[]; rule?: string; signal?: number }) => {
      const ctx = contextOf(opts);
      const destinations = [...opts.to];
      if (opts.rule) {
        const state = readState(ctx.statePath);
        const rule = state?.rules.find((r) => r.name === opts.rule);
        if (!state || !rule) throw new UserFacingError(`--rule: no rule named ${opts.rule} is in force`);
        const kernel = await ctx.enforcer.status();
        const learned = new Map((kernel.learned ?? []).map((l) => [l.addr, new Set(l.hosts)]));
        const filters = ruleKillFilters(rule, state.hosts, learned);
        if (filters.length === 0) throw new UserFacingError(`--rule ${opts.rule}: no address is known for its destinations yet`);
        destinations.push(...filters);
      }
      const audit = ctx.audit ?? new AuditLog(defaultAuditLog());
      const start = startTicks(opts.pid);
      if (start === null) throw new UserFacingError(`--pid ${opts.pid}: no such process`);
      const r = await ctx.enforcer.kill(opts.pid, destinations);
      audit.append({
        type: 'kill',
        ts: new Date().toISOString(),
        pid: opts.pid,
        trigger: 'manual',
        ...(opts.rule ? { rule: opts.rule } : {}),
        destinations,
        connections: r.connections ?? [],
        destroyed: r.destroyed ?? 0,
        ...(r.error ? { error: r.error } : {}),
      });
      if (r.error) throw new UserFacingError(`cannot kill connections of ${opts.pid}: ${r.error}`);
      console.log(`osprey: destroyed ${r.destroyed ?? 0} of ${r.connections?.length ?? 0} matching connection(s) of process ${opts.pid}`);
      if (opts.signal !== undefined) {
        const s = await ctx.enforcer.signal(opts.pid, start, opts.signal);
        audit.append({ type: 'signal', ts: new Date().toISOString(), pid: opts.pid, signal: opts.signal, trigger: 'manual', sent: s.sent, ...(s.error ? { error: s.error } : {}) });
        if (!s.sent) throw new UserFacingError(`cannot signal ${opts.pid}: ${s.error ?? 'unknown error'}`);
        console.log(`osprey: sent signal ${opts.signal} to process ${opts.pid}`);
      }
      audit.close();
    });

  withCommon(enforce.command('run'))
    .description('the user-space half: write audit events, keep host names current, re-resolve agent scopes (foreground)')
    .option('--policy <file>', 'apply this policy first')
    .option('--refresh <duration>', "re-resolve host names and scopes this often (default: the policy's resolve_interval)")
    .option('--quiet', 'do not print audit events on stdout')
    .action(async (opts: CommonOpts & { policy?: string; refresh?: string; quiet?: boolean }) => {
      const ctx = contextOf(opts);
      if (opts.policy) printWarnings((await applyPolicy(readPolicyFile(opts.policy), opts.policy, ctx)).warnings);
      const refreshMs = opts.refresh === undefined ? undefined : (parseDuration(opts.refresh) ?? undefined);
      const rt = await EnforceRuntime.start({ ctx, refreshMs, onEvent: (e) => (opts.quiet ? undefined : console.log(JSON.stringify(e))) });
      process.stderr.write(`osprey: enforcement runtime started (enforcer pid ${rt.daemonPid}); audit log ${opts.auditLog ?? defaultAuditLog()}\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => void rt.stop().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
