import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { AuditLogger, DaybookError } from '@daybook/core';
import { LogAnalyzer } from '@daybook/analytics';
import {
  AlertError, alertJson, DataTrigger, damageOf, directoryTarget, dispatcherFor, Evaluator, FileStateStore, formatDuration, formatValue, KIND_SOURCE, loadRules, lockStateDir, loggerAudit, prometheusRulesCommand, Schedule, stateDirOf, targetStateFile,
  type Alert, type Evaluation, type RulesFile, type Target,
} from '@daybook/alert';
import { analyzerOf, ClickHouseChainCheck, EVENTS_TABLE, ident, str, where, type OpenedClickHouse } from '@daybook/clickhouse';
import { defineCommand, parseCommand, usageError } from '../args.js';
import { clickhouseFailed, clickhouseUsage, openFleet, withClickHouseOptions, type ClickHouseValues } from '../clickhouse.js';
import { untilStopped } from './serve.js';
import { run as silence } from './alert-silence.js';
import { onEvaluatorThread } from './alert-thread.js';

export const command = () => withClickHouseOptions(defineCommand('alert', '--rules FILE [--dir logs | --clickhouse URL] [--once [--at ISO]] [--json] | --check FILE | --prometheus-rules FILE | silence add|list|expire',
  `Evaluates alert rules over a log directory (or a fleet in ClickHouse) and notifies their
receivers: the DayBot guide's monitoring script as a rules file (examples/alerts.json).

Each rule's value is a figure of the reports over [now - window, now] (error_count is
error_summary.total_errors, avg_api_latency_ms is system_metrics.avg_api_latency, ...), so
a rule and \`daybook report\` over the same range agree. A rule fires when its value is above
its threshold (no_events: when the window holds no event) for at least \`for\`, and resolves
when that stops. Over ClickHouse, one alert per bot and host (labels bot and host);
chain_damaged there re-checks each bot's rows as a hash chain as they arrive (positions kept in
<state dir>/clickhouse-chain.json).

State (what is pending or firing since when) is kept in <dir>/.daybook/alerts/state.json
(--state DIR over ClickHouse), so a restart neither repeats a notification nor forgets a
resolution. One evaluator per state directory: while one runs, another (--once too, or serve
--rules) over the same directory exits 2 (DAYBOOK_E_ALERT_LOCKED, naming the holder). Every
firing, resolution, notification attempt and silence is also written as an event
(alert_firing, alert_resolved, alert_notification, alert_silence) to the hash-chained log in
<state dir>/audit/: \`daybook verify <state dir>/audit\` checks it.

--once evaluates once (at --at, default now), sends, and exits; without it, evaluates until
Ctrl-C or SIGTERM (then sends what is queued and saves the state): every evaluation_interval,
at the instant a pending alert's \`for\` ends, and soon after new lines that may make a rule
hold reach the directory (their errors, latencies, losses... bound each rule's value; at most
every min_interval of the rules file, default 1s; over ClickHouse: every evaluation_interval
only).

Notifications are grouped as Alertmanager groups them (the file's route: group_by,
group_wait, group_interval, repeat_interval), retried with backoff, rate-limited per receiver,
and not sent for silenced alerts: \`daybook alert silence add|list|expire\` (see
\`daybook alert silence --help\`). --prometheus-rules FILE prints the same rules as
Prometheus alerting rules over \`daybook serve\`'s /metrics.`,
  `Exit status: --once: 0 nothing fires, 1 something fires (or a rule could not be evaluated);
--check: 0 the file is valid, 2 it is not (the message names the rule and the field); 2 bad
usage, a bad rules file, or another evaluator on the state directory; continuous mode: 0
after a clean stop.`)
  .option('--rules <file>', 'the rules file (JSON; YAML when it ends in .yml or .yaml)')
  .option('--dir <dir>', 'log directory (default logs)')
  .option('--once', 'evaluate once and exit (for cron)')
  .option('--at <iso>', 'with --once: evaluate at this instant instead of now')
  .option('--json', 'print { "alerts": [...] } (continuous mode: one such line per evaluation)')
  .option('--check <file>', 'validate a rules file and exit')
  .option('--prometheus-rules <file>', "print the rules file as Prometheus alerting rules (YAML) over daybook serve's /metrics")
  .option('--state <dir>', 'where state.json and the audit log live (default <dir>/.daybook/alerts; required with --clickhouse)'));

type Values = { rules?: string; dir?: string; once?: boolean; at?: string; json?: boolean; check?: string; 'prometheus-rules'?: string; state?: string } & ClickHouseValues;

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'silence') {
    return silence(argv.slice(1), { openAudit: async (stateDir) => {
      const logger = trailLogger(stateDir);
      return { audit: loggerAudit(logger), close: () => logger.close() };
    } });
  }
  const cmd = command();
  const parsed = parseCommand(cmd, argv);
  if (typeof parsed === 'number') return parsed;
  const v = parsed.values as Values;
  if (parsed.positionals.length > 0) return usageError(cmd, `unexpected argument '${parsed.positionals[0]}'`);
  if (v.check !== undefined) return check(v.check);
  if (v['prometheus-rules'] !== undefined) return prometheusExport(v['prometheus-rules']);
  if (v.rules === undefined) return usageError(cmd, 'give the rules file: --rules alerts.json (or --check FILE to validate one)');
  if (v.at !== undefined && v.once !== true) return usageError(cmd, '--at evaluates a past instant once: add --once');
  const at = v.at === undefined ? undefined : Date.parse(v.at);
  if (at !== undefined && !Number.isFinite(at)) return usageError(cmd, `--at ${v.at} is not an ISO-8601 instant`);
  const chUsage = clickhouseUsage(v, v.dir === undefined ? undefined : [v.dir]);
  if (chUsage !== undefined) return usageError(cmd, chUsage);
  if (v.clickhouse !== undefined && v.state === undefined) return usageError(cmd, '--clickhouse has no log directory to keep the state beside: give --state DIR');
  // Continuous: the same command again, on a thread whose heap suits an evaluator (alert-thread.ts).
  if (v.once !== true && isMainThread) return onEvaluatorThread(argv);
  const file = v.rules;
  const rules = orStatus(() => loadRules(file));
  if (typeof rules === 'number') return rules;
  const dir = v.dir ?? 'logs';
  if (v.clickhouse === undefined && !existsSync(dir)) return usageError(cmd, `no log directory ${dir}: give --dir`);
  let fleet: OpenedClickHouse | undefined;
  if (v.clickhouse !== undefined) {
    const opened = await openFleet('alert', { ...v, clickhouse: v.clickhouse });
    if (typeof opened === 'number') return opened;
    fleet = opened;
  }
  const stateDir = v.state ?? stateDirOf(dir);
  const lock = takeLock(stateDir);
  if (typeof lock === 'number') {
    await fleet?.close();
    return lock;
  }
  const logger = orStatus(() => trailLogger(stateDir));
  if (typeof logger === 'number') {
    lock.release();
    await fleet?.close();
    return logger;
  }
  const audit = loggerAudit(logger);
  const dispatcher = dispatcherFor(rules, audit, { stateDir, once: v.once === true });
  try {
    const targets = fleet === undefined ? dirTargets(dir) : fleetTargets(fleet, v, stateDir);
    const evaluator = new Evaluator({ rules, targets, dispatcher, audit, state: new FileStateStore(stateDir) });
    if (v.once === true) {
      const e = await evaluator.evaluate(at);
      print(e, v.json === true, false);
      // Retries and rate limits included; what still cannot be sent is owed to the next run.
      // The dispatcher's timers do not hold a process (a pending group must not keep a server
      // from exiting): this one does, while its backoffs run. Without it, a receiver that
      // refused the first attempt left nothing to wait on, and Node ended the process with 13.
      const hold = setInterval(() => {}, 60_000);
      try {
        await dispatcher.flush();
      } finally {
        clearInterval(hold);
      }
      return e.errors.length > 0 || e.alerts.some((a) => a.state === 'firing') ? 1 : 0;
    }
    await continuous(evaluator, rules, fleet === undefined ? dir : undefined, v.json === true);
    return 0;
  } catch (e) {
    if (e instanceof AlertError) return alertFailed(e);
    return clickhouseFailed('alert', e);
  } finally {
    await dispatcher.close();
    await logger.close();
    await fleet?.close();
    lock.release();
  }
}

/** The state directory's lock (one evaluator per directory, lock.ts), or exit status 2 when another process holds it. */
function takeLock(stateDir: string): ReturnType<typeof lockStateDir> | number {
  return orStatus(() => {
    const lock = lockStateDir(stateDir);
    if (lock.problem !== undefined) process.stderr.write(`daybook alert: ${lock.problem.message}. ${lock.problem.hint} [${lock.problem.code}]\n`);
    return lock;
  });
}

function check(file: string): number {
  const rules = orStatus(() => loadRules(file));
  if (typeof rules === 'number') return rules;
  const lines = rules.rules.map((r) => `  ${r.name}: ${r.kind} (${KIND_SOURCE[r.kind]})${r.window > 0 ? ` over ${formatDuration(r.window)}` : ''}, threshold ${r.threshold}${r.for > 0 ? `, for ${formatDuration(r.for)}` : ''}`);
  process.stdout.write(`ok: ${file}: ${rules.rules.length} rule${rules.rules.length === 1 ? '' : 's'}, ${rules.receivers.length} receiver${rules.receivers.length === 1 ? '' : 's'}, ${cadence(rules, true)}\n${lines.join('\n')}\n`);
  return 0;
}

function prometheusExport(file: string): number {
  const text = orStatus(() => prometheusRulesCommand(loadRules(file)));
  if (typeof text === 'number') return text;
  process.stdout.write(text);
  return 0;
}

/**
 * The chained log of the alerting itself (firing, resolution, notification, silence), beside
 * the state: the bot owns its directory's lock, and alert events among its events would count.
 */
function trailLogger(stateDir: string): AuditLogger {
  const logDir = join(stateDir, 'audit');
  try {
    return new AuditLogger({ logDir, consoleLevel: false, durability: { system: 'batch' } });
  } catch (e) {
    // A directory that cannot hold it is the state's problem, said as such (core's error would
    // end the command with a stack trace).
    if (!(e instanceof DaybookError) || e.code !== 'DAYBOOK_E_LOG_DIR') throw e;
    throw new AlertError('DAYBOOK_E_ALERT_STATE', `cannot open the alert trail ${logDir} (${e.cause instanceof Error ? e.cause.message : e.message})`, { cause: e });
  }
}

/** Says an AlertError (a bad rules file or state) on stderr; exit status 2. */
function alertFailed(e: AlertError): number {
  process.stderr.write(`daybook alert: ${e.message}. ${e.hint} [${e.code}]\n`);
  return 2;
}

/** What `f` returns, or alertFailed's status when it throws an AlertError. */
function orStatus<T>(f: () => T): T | number {
  try {
    return f();
  } catch (e) {
    if (e instanceof AlertError) return alertFailed(e);
    throw e;
  }
}

/** One target for the directory, its analyzer kept for the process (what was read stays read). */
function dirTargets(dir: string): () => Target[] {
  const target = directoryTarget(dir);
  return () => [target];
}

/**
 * One target per bot and host with events in ClickHouse (narrowed by --bot/--host), analyzers
 * kept; chain_damaged from one chain check of the fleet (@daybook/clickhouse chain-check.ts),
 * its positions saved in the state directory.
 */
function fleetTargets(fleet: OpenedClickHouse, v: ClickHouseValues, stateDir: string): () => Promise<Target[]> {
  const known = new Map<string, Target>();
  const { database, display } = fleet.target;
  const store = targetStateFile(stateDir, 'clickhouse-chain.json', (m) => process.stderr.write(`daybook alert: chain check: ${m}\n`));
  const chain = new ClickHouseChainCheck(fleet.runner, { database, target: `${display} ${database}`, store });
  const filters = [...(v.bot === undefined ? [] : [`bot = ${str(v.bot)}`]), ...(v.host === undefined ? [] : [`host = ${str(v.host)}`])];
  const sql = `SELECT DISTINCT bot, host FROM ${ident(fleet.target.database)}.${ident(EVENTS_TABLE)} ${where(filters)} ORDER BY bot, host`;
  return async () => {
    chain.round();
    const rows = await fleet.runner.rows<{ bot: string; host: string }>(sql);
    return rows.map(({ bot, host }) => {
      const key = `${bot}\u0000${host}`;
      let t = known.get(key);
      if (t === undefined) known.set(key, (t = { labels: { bot, host }, figures: analyzerOf(fleet, { bot, host }), damage: () => chain.damage(bot, host) }));
      return t;
    });
  };
}

/**
 * Continuous evaluation (@daybook/alert's Schedule): soon after new lines that may make a rule
 * hold reach `dir` (DataTrigger; at most every min_interval), when a pending `for` ends, and
 * every evaluation_interval. Without a
 * directory (ClickHouse) the interval alone: telling that a fleet's table changed would cost a
 * query per check, about what the evaluation's own queries cost.
 */
function scheduleOf(evaluator: Evaluator, rules: RulesFile, dir: string | undefined, json: boolean): Schedule<Evaluation> {
  // min_interval = evaluation_interval: new lines could not hasten an evaluation; nothing to read them for.
  const trigger = dir === undefined || rules.minInterval >= rules.evaluationInterval ? undefined : new DataTrigger(dir, rules.rules, { pollMs: rules.minInterval });
  return new Schedule<Evaluation>({
    evaluate: (now) => (trigger === undefined ? evaluator.evaluate(now) : trigger.after(evaluator.evaluate(now))),
    due: () => evaluator.nextDue(),
    interval: rules.evaluationInterval,
    minInterval: rules.minInterval,
    ...(trigger === undefined ? {} : { watch: trigger.watch }),
    onEvaluation: (e) => print(e, json, true),
    onError: (e) => void process.stderr.write(`daybook alert: evaluation failed: ${e instanceof Error ? e.message : String(e)}\n`),
  });
}

/** How often continuous mode evaluates, for its first line. */
function cadence(rules: RulesFile, watched: boolean): string {
  const every = `every ${formatDuration(rules.evaluationInterval)}`;
  return watched && rules.minInterval < rules.evaluationInterval ? `on lines that may make a rule hold (at most every ${formatDuration(rules.minInterval)}) and ${every}` : every;
}

async function continuous(evaluator: Evaluator, rules: RulesFile, dir: string | undefined, json: boolean): Promise<void> {
  process.stderr.write(`daybook alert: ${rules.rules.length} rules ${cadence(rules, dir !== undefined)}; Ctrl-C stops\n`);
  const schedule = scheduleOf(evaluator, rules, dir, json);
  schedule.start();
  await untilStopped();
  await schedule.stop();
}

export interface ServedAlerts {
  evaluator: Evaluator;
  start(): void;
  /** Stops the loop, sends what is queued, closes the audit log. */
  close(): Promise<void>;
}

/**
 * `daybook serve --rules FILE`: the evaluator of `daybook alert` over the server's own
 * analyzer (its reports' cache serves the rules too), or over the fleet the server reads
 * (`--clickhouse`: one alert per bot and host, as `daybook alert --clickhouse`); state and
 * trail beside the first log directory. An exit code when the rules file is bad.
 */
export function serveAlerts(file: string, dir: string, analyzer: () => LogAnalyzer | undefined, fleet?: OpenedClickHouse): ServedAlerts | number {
  const rules = orStatus(() => loadRules(file));
  if (typeof rules === 'number') return rules;
  const stateDir = stateDirOf(dir);
  const lock = takeLock(stateDir);
  if (typeof lock === 'number') return lock;
  const logger = orStatus(() => trailLogger(stateDir));
  if (typeof logger === 'number') {
    lock.release();
    return logger;
  }
  const audit = loggerAudit(logger);
  const dispatcher = dispatcherFor(rules, audit, { stateDir });
  const damage = damageOf(dir);
  let evaluator: Evaluator;
  try {
    const targets = fleet === undefined ? () => [{ labels: {}, figures: analyzer() ?? new LogAnalyzer(dir), damage }] : fleetTargets(fleet, {}, stateDir);
    evaluator = new Evaluator({ rules, targets, dispatcher, audit, state: new FileStateStore(stateDir) });
  } catch (e) {
    void logger.close();
    lock.release();
    if (e instanceof AlertError) return alertFailed(e);
    throw e;
  }
  const schedule = scheduleOf(evaluator, rules, fleet === undefined ? dir : undefined, false);
  return {
    evaluator,
    start: () => schedule.start(),
    async close() {
      await schedule.stop();
      await dispatcher.close();
      await logger.close();
      lock.release();
    },
  };
}

function print(e: Evaluation, json: boolean, continuous: boolean): void {
  for (const err of e.errors) process.stderr.write(`daybook alert: rule ${err.rule}${labelText(err.labels)} could not be evaluated: ${err.message}\n`);
  if (json) {
    const out = { at: e.at, alerts: e.alerts.map(alertJson), ...(e.errors.length > 0 ? { errors: e.errors } : {}) };
    process.stdout.write(continuous ? JSON.stringify(out) + '\n' : JSON.stringify(out, null, 2) + '\n');
    return;
  }
  if (continuous) {
    for (const t of e.transitions) process.stdout.write(`${t.at}  ${t.alert.name}${labelText(t.alert.labels)}  ${t.from} -> ${t.to}  value ${formatValue(t.alert.value)} (threshold ${formatValue(t.alert.threshold)})${t.to === 'firing' && t.alert.annotations.summary ? `  ${t.alert.annotations.summary}` : ''}\n`);
    return;
  }
  const rows = e.alerts.map((a) => [a.state.toUpperCase(), a.name + labelText(a.labels), formatValue(a.value), formatValue(a.threshold), a.since ?? '', a.state === 'firing' ? a.annotations.summary ?? '' : '']);
  const head = ['STATE', 'ALERT', 'VALUE', 'THRESHOLD', 'SINCE', 'SUMMARY'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  process.stdout.write(`alerts at ${e.at}\n${[head, ...rows].map(line).join('\n')}\n`);
}

function labelText(labels: Record<string, string>): string {
  const parts = ['bot', 'host'].filter((k) => labels[k] !== undefined).map((k) => `${k}=${labels[k]}`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}
