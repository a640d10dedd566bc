import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it, type TestContext } from 'node:test';
import { AuditLogger } from '@daybook/core';
import { ev, lines } from '../../../analytics/dist/test/helpers.js';

// The real bin, as a user (or cron) runs it; receivers are real HTTP servers on loopback.
const BIN = fileURLToPath(new URL('../bin.js', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../../../examples/alerts.json', import.meta.url));

/** Runs the bin; `onStarted` when continuous mode says it started, `onStdout` on each piece of stdout. */
function daybook(args: string[], onStarted?: (child: ReturnType<typeof spawn>) => void, onStdout?: (child: ReturnType<typeof spawn>, stdout: string) => Promise<void>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      void onStdout?.(child, stdout);
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (onStarted !== undefined && stderr.includes('Ctrl-C stops')) {
        const f = onStarted;
        onStarted = undefined;
        f(child);
      }
    });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The bin running (killed when the test ends, so that a failed assertion leaves none behind): its stderr so far, and how it ended. */
function running(t: TestContext, args: string[]): { child: ReturnType<typeof spawn>; stderr: () => string; ended: Promise<{ status: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => void child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdout.resume();
  return { child, stderr: () => stderr, ended: new Promise((res) => child.on('close', (status, signal) => res({ status, signal }))) };
}

/** `p`, or `label` when it has not settled within 20 s. */
const within = <T>(p: Promise<T>, label: string): Promise<T | string> => Promise.race([p, new Promise<string>((res) => setTimeout(() => res(label), 20_000).unref())]);

const root = mkdtempSync(join(tmpdir(), 'daybook-cli-alert-'));
after(() => rmSync(root, { recursive: true, force: true }));
const event = (timestamp: string, fields: Record<string, unknown>): string => lines([ev({ timestamp, ...fields })]);

function logsWithErrors(name: string, errors: number): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  let s = '';
  for (let i = 0; i < errors; i++) s += event(new Date(Date.parse('2026-09-15T11:10:00Z') + i * 60_000).toISOString(), { level: 'ERROR', event_type: 'system_error' });
  s += event('2026-09-15T11:58:00.000Z', { event_type: 'api_call', component: 'api', latency_ms: 250, metadata: { endpoint: '/o', method: 'GET', status_code: 200 } });
  appendFileSync(join(dir, 'audit.log'), s);
  return dir;
}

async function hook(): Promise<{ url: string; bodies: { status: string; alerts: { labels: Record<string, string> }[] }[]; close: () => Promise<void> }> {
  const bodies: { status: string; alerts: { labels: Record<string, string> }[] }[] = [];
  const server = createServer((req, res) => {
    let b = '';
    req.on('data', (c: Buffer) => (b += c.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(b));
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, bodies, close: () => new Promise((r) => server.close(() => r())) };
}

function rulesFile(name: string, url: string, interval = '15m'): string {
  const rules = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { evaluation_interval: string; receivers: { webhook: { url: string } }[] };
  rules.receivers[0]!.webhook.url = url;
  rules.evaluation_interval = interval;
  const file = join(root, name);
  writeFileSync(file, JSON.stringify(rules));
  return file;
}

describe('daybook alert', () => {
  it('--check: 0 and a summary for a valid file, 2 naming the rule and the field for a bad one', async () => {
    const good = await daybook(['alert', '--check', EXAMPLE]);
    assert.equal(good.status, 0, good.stderr);
    assert.match(good.stdout, /^ok: .*3 rules, 1 receiver, on lines that may make a rule hold \(at most every 1s\) and every 15m/m);
    const bad = join(root, 'bad.json');
    writeFileSync(bad, JSON.stringify({ rules: [{ name: 'SlowBroker', kind: 'avg_api_latency_ms', window: '1 hour', threshold: 1000 }] }));
    const r = await daybook(['alert', '--check', bad]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /rule "SlowBroker": window "1 hour" is not a duration.*\[DAYBOOK_E_ALERT_DURATION\]/);
    const start = await daybook(['alert', '--rules', bad, '--dir', root, '--once']);
    assert.equal(start.status, 2, 'a bad file fails start-up the same way');
    assert.match(start.stderr, /rule "SlowBroker": window/);
  });

  it('--check and --rules take YAML (.yml, .yaml): the example, and a syntax error named by its line', async () => {
    const good = await daybook(['alert', '--check', EXAMPLE.replace(/\.json$/, '.yml')]);
    assert.equal(good.status, 0, good.stderr);
    assert.match(good.stdout, /^ok: .*alerts\.yml: 3 rules, 1 receiver, on lines that may make a rule hold \(at most every 1s\) and every 15m/m);
    const bad = join(root, 'bad.yaml');
    writeFileSync(bad, 'rules:\n  - name: SlowBroker\n    kind: avg_api_latency_ms\n    window: 1h\n   threshold: 1000\n');
    const r = await daybook(['alert', '--check', bad]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /bad\.yaml: .*at line 5, column \d+ \(YAML\)\. .*\[DAYBOOK_E_ALERT_RULES_SYNTAX\]/);
    const start = await daybook(['alert', '--rules', bad, '--dir', root, '--once']);
    assert.equal(start.status, 2, 'a bad file fails start-up the same way');
    // Continuous mode reads the file on the evaluator's thread: the same status and message, and the process ends.
    const continuous = await daybook(['alert', '--rules', bad, '--dir', root]);
    assert.equal(continuous.status, 2, continuous.stderr);
    assert.match(continuous.stderr, /bad\.yaml: .*at line 5, column \d+ \(YAML\)\. .*\[DAYBOOK_E_ALERT_RULES_SYNTAX\]/);
    assert.doesNotMatch(continuous.stderr, /Ctrl-C stops|thread ended/);
  });

  it("--once on the seed's rules: exit 1 and one notification when more than 10 errors, exit 0 when not", async (t) => {
    const h = await hook();
    t.after(h.close);
    const rules = rulesFile('once.json', h.url);
    const loud = logsWithErrors('loud', 11);
    const r = await daybook(['alert', '--dir', loud, '--rules', rules, '--once', '--at', '2026-09-15T12:00:00Z', '--json']);
    assert.equal(r.status, 1, r.stderr);
    const out = JSON.parse(r.stdout) as { alerts: { name: string; state: string; value: number | null; labels: Record<string, string>; annotations: Record<string, string>; since: string | null }[] };
    assert.deepEqual(out.alerts.map((a) => [a.name, a.state, a.value]), [['HighErrorCount', 'firing', 11], ['HighApiLatency', 'inactive', 250], ['BotSilent', 'inactive', 1]]);
    assert.equal(out.alerts[0]!.annotations.summary, 'High error count: 11 errors in the last hour (threshold 10)');
    assert.equal(out.alerts[0]!.since, '2026-09-15T12:00:00.000Z');
    assert.deepEqual(h.bodies.map((b) => [b.status, b.alerts[0]!.labels.alertname]), [['firing', 'HighErrorCount']]);
    // The state and the audit trail are beside the logs.
    assert.ok(existsSync(join(loud, '.daybook', 'alerts', 'state.json')));
    const trail = readFileSync(join(loud, '.daybook', 'alerts', 'audit', 'audit.log'), 'utf8');
    assert.match(trail, /"event_type":"alert_firing"/);
    assert.match(trail, /"event_type":"alert_notification".*"ok":true/);
    // Cron again an hour on: the errors have left the window; the resolution is sent, exit 0.
    const later = await daybook(['alert', '--dir', loud, '--rules', rules, '--once', '--at', '2026-09-15T13:00:00Z']);
    assert.equal(later.status, 0, later.stdout + later.stderr);
    assert.match(later.stdout, /INACTIVE\s+HighErrorCount/);
    assert.deepEqual(h.bodies.map((b) => b.status), ['firing', 'resolved']);
    const quiet = logsWithErrors('quiet', 10);
    const q = await daybook(['alert', '--dir', quiet, '--rules', rules, '--once', '--at', '2026-09-15T12:00:00Z']);
    assert.equal(q.status, 0, q.stdout + q.stderr);
  });

  it('--once with a receiver that refuses connections: its retries run, the failure is in the trail, exit 1', async () => {
    // A port nothing listens on: every attempt is refused, each retry waits on a backoff.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const rules = rulesFile('refused.json', `http://127.0.0.1:${port}/hook`);
    const loud = logsWithErrors('refused', 11);
    const r = await daybook(['alert', '--dir', loud, '--rules', rules, '--once', '--at', '2026-09-15T12:00:00Z']);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /attempt 1\/3 failed: connect ECONNREFUSED/);
    assert.match(r.stderr, /attempt 3\/3 failed/);
    const trail = readFileSync(join(loud, '.daybook', 'alerts', 'audit', 'audit.log'), 'utf8');
    assert.equal(trail.match(/"event_type":"alert_notification"/g)?.length, 3);
  });

  it('continuous mode stops cleanly on SIGTERM with its state saved', async () => {
    const dir = logsWithErrors('cont', 1);
    const rules = rulesFile('cont.json', 'http://127.0.0.1:9/none', '1s');
    const r = await daybook(['alert', '--dir', dir, '--rules', rules], (child) => setTimeout(() => child.kill('SIGTERM'), 1500));
    assert.equal(r.status, 0, r.stderr);
    const state = JSON.parse(readFileSync(join(dir, '.daybook', 'alerts', 'state.json'), 'utf8')) as { evaluatedAt: string; alerts: unknown[] };
    assert.equal(state.alerts.length, 3);
    assert.ok(state.evaluatedAt !== null);
  });

  it('continuous mode: Ctrl-C reaches the evaluator\'s thread and stops it; a second Ctrl-C ends a stop that waits, its trail written', async (t) => {
    // A receiver that never answers: the stop waits for the notification in flight (its 30 s timeout).
    const requests: string[] = [];
    const hanging = createServer((req) => void requests.push(req.url ?? ''));
    await new Promise<void>((res) => hanging.listen(0, '127.0.0.1', res));
    t.after(() => new Promise<void>((res) => {
      hanging.closeAllConnections();
      hanging.close(() => res());
    }));
    const port = (hanging.address() as { port: number }).port;
    const dir = logsWithErrors('thread', 3);
    const rules = join(root, 'thread.json');
    const rulesWith = (threshold: number): void => writeFileSync(rules, JSON.stringify({
      evaluation_interval: '1h',
      rules: [{ name: 'Errors', kind: 'error_count', window: '365d', threshold }],
      receivers: [{ name: 'ops', webhook: { url: `http://127.0.0.1:${port}/hook`, timeout: '30s', max_attempts: 1 } }],
      route: { group_wait: '0s' },
    }));
    rulesWith(1);
    const run = () => running(t, ['alert', '--dir', dir, '--rules', rules]);
    const until = async (what: () => boolean, label: string): Promise<void> => {
      const deadline = Date.now() + 20_000;
      while (!what()) {
        assert.ok(Date.now() < deadline, label);
        await new Promise((res) => setTimeout(res, 50));
      }
    };
    // One Ctrl-C: the evaluator stops as on SIGTERM, its notification still owed (kept for the next run).
    const first = run();
    await until(() => requests.length === 1, 'the firing notification is sent');
    first.child.kill('SIGINT');
    await new Promise((res) => setTimeout(res, 1_500));
    assert.deepEqual([first.child.exitCode, first.child.signalCode], [null, null], 'the stop waits for the notification in flight');
    // A second Ctrl-C does not wait: the process ends as Node ends one on SIGINT.
    const at = Date.now();
    first.child.kill('SIGINT');
    const killed = await within(first.ended, 'still running 20 s after the second Ctrl-C');
    first.child.kill('SIGKILL');
    assert.deepEqual(killed, { status: null, signal: 'SIGINT' });
    assert.ok(Date.now() - at < 5_000);
    // Who was told what is in the trail all the same, every line under a checkpoint: core's exit
    // hooks ran on the evaluator's thread before the process died of the signal.
    const trail = join(dir, '.daybook', 'alerts', 'audit');
    assert.match(readFileSync(join(trail, 'audit.log'), 'utf8'), /"event_type":"alert_firing"/);
    const verified = await daybook(['verify', trail]);
    assert.equal(verified.status, 0, verified.stdout + verified.stderr);
    assert.doesNotMatch(verified.stdout, /unvouched/);
    // Without a notification in flight, one Ctrl-C ends it with status 0 and its state saved.
    hanging.closeAllConnections();
    rmSync(join(dir, '.daybook', 'alerts'), { recursive: true, force: true });
    rulesWith(100);
    const second = run();
    await until(() => existsSync(join(dir, '.daybook', 'alerts', 'state.json')), 'the first evaluation is saved');
    second.child.kill('SIGINT');
    const stopped = await within(second.ended, 'still running 20 s after Ctrl-C');
    second.child.kill('SIGKILL');
    assert.deepEqual(stopped, { status: 0, signal: null }, second.stderr());
    assert.doesNotMatch(second.stderr(), /Error|failed/);
  });

  it('a state directory that cannot be made (a file in its path): a coded message and no stack, for --once, continuous mode, silences and serve --rules', async () => {
    const dir = logsWithErrors('blocked-state', 1);
    writeFileSync(join(root, 'not-a-dir'), '');
    const blocked = join(root, 'not-a-dir', 'state');
    const trail = /cannot open the alert trail .*not-a-dir\/state\/audit \(ENOTDIR.*\[DAYBOOK_E_ALERT_STATE\]/;
    for (const args of [['--once'], []]) {
      const r = await daybook(['alert', '--rules', EXAMPLE, '--dir', dir, '--state', blocked, ...args]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, trail);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    // A failed write of the state is a finding of `silence`, as its other state errors are.
    const s = await daybook(['alert', 'silence', 'add', '--state', blocked, '--matcher', 'alertname=Errors', '--duration', '1h']);
    assert.equal(s.status, 1, s.stderr);
    assert.match(s.stderr, trail);
    // serve --rules keeps the state in <dir>/.daybook/alerts: a file named .daybook blocks it.
    const served = logsWithErrors('blocked-serve', 1);
    writeFileSync(join(served, '.daybook'), '');
    const v = await daybook(['serve', '--dir', served, '--rules', EXAMPLE, '--port', '0']);
    assert.equal(v.status, 2, v.stderr);
    assert.match(v.stderr, /cannot open the alert trail .*blocked-serve\/\.daybook\/alerts\/audit .*\[DAYBOOK_E_ALERT_STATE\]/);
    assert.doesNotMatch(v.stderr, /\n\s+at /, 'no stack trace');
  });

  it('continuous mode: a Ctrl-C before the command listens for one (ClickHouse not answering yet) ends the process as Node would', async (t) => {
    // A "ClickHouse" that takes the connection and never answers: the evaluator's thread waits
    // in its first query, with no SIGINT listener yet.
    const sockets: Socket[] = [];
    const silent = createNetServer((s) => void sockets.push(s));
    await new Promise<void>((res) => silent.listen(0, '127.0.0.1', res));
    t.after(() => {
      for (const s of sockets) s.destroy();
      silent.close();
    });
    const { child, stderr, ended } = running(t, ['alert', '--rules', EXAMPLE, '--clickhouse', `http://127.0.0.1:${(silent.address() as { port: number }).port}`, '--state', join(root, 'silent-state')]);
    for (const deadline = Date.now() + 20_000; sockets.length === 0;) {
      assert.ok(Date.now() < deadline, `no query reached the server: ${stderr()}`);
      await new Promise((res) => setTimeout(res, 50));
    }
    child.kill('SIGINT');
    assert.deepEqual(await within(ended, 'still running 20 s after Ctrl-C'), { status: null, signal: 'SIGINT' }, stderr());
    assert.equal(stderr(), '');
  });

  it('continuous mode notifies soon after the lines that may make a rule hold (and not for others), and when a `for` ends, not at the hour\'s tick', async (t) => {
    const h = await hook();
    t.after(h.close);
    const dir = join(root, 'live');
    mkdirSync(dir, { recursive: true });
    const rules = join(root, 'live.json');
    // An interval of an hour: only the new lines (and the end of the `for`) can explain an evaluation within the test.
    writeFileSync(rules, JSON.stringify({
      evaluation_interval: '1h', min_interval: '200ms',
      rules: [
        { name: 'Errors', kind: 'error_count', window: '10m', threshold: 2, annotations: { summary: '{{ $value }} errors' } },
        { name: 'ErrorsHeld', kind: 'error_count', window: '10m', threshold: 2, for: '2s' },
      ],
      receivers: [{ name: 'ops', webhook: { url: h.url } }],
      route: { group_by: ['alertname'], group_wait: '0s', group_interval: '1s' },
    }));
    // The bot: a real logger, which has logged an API call before the alerting starts.
    const logger = new AuditLogger({ logDir: dir, consoleLevel: false });
    t.after(() => logger.close());
    void logger.logApiCall({ endpoint: '/v2/orders', method: 'GET', statusCode: 200, latencyMs: 20 });
    await logger.flush();
    let logged = false;
    let quiet = 0;
    const evaluations: { alerts: { name: string; state: string; value: number }[] }[] = [];
    const r = await daybook(['alert', '--dir', dir, '--rules', rules, '--json'], undefined, async (child, stdout) => {
      evaluations.splice(0, evaluations.length, ...stdout.split('\n').slice(0, -1).map((l) => JSON.parse(l) as (typeof evaluations)[number]));
      // After the first evaluation (nothing holds), the bot logs two errors, which cannot make
      // a rule hold (0 + 2 is not above 2): no evaluation for them. Then a third.
      if (!logged) {
        logged = true;
        for (let i = 0; i < 2; i++) void logger.logError('broker down', 'broker');
        await logger.flush();
        await new Promise((res) => setTimeout(res, 1_500));
        quiet = evaluations.length;
        void logger.logError('broker down', 'broker');
        await logger.flush();
        // Generous: the hour's tick is far beyond it.
        const deadline = Date.now() + 60_000;
        while (h.bodies.length < 2 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
        child.kill('SIGTERM');
      }
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /2 rules on lines that may make a rule hold \(at most every 200ms\) and every 1h/);
    assert.deepEqual(evaluations[0]!.alerts.map((a) => [a.name, a.state, a.value]), [['Errors', 'inactive', 0], ['ErrorsHeld', 'inactive', 0]]);
    assert.equal(quiet, 1, 'two errors, 1.5 s: no evaluation');
    // Told in order: the rule without `for` as soon as the errors were read, the other when its 2 s had passed.
    assert.deepEqual(h.bodies.map((b) => [b.status, b.alerts.map((a) => a.labels.alertname)]), [['firing', ['Errors']], ['firing', ['ErrorsHeld']]]);
    assert.equal((h.bodies[0] as unknown as { alerts: { annotations: Record<string, string> }[] }).alerts[0]!.annotations.summary, '3 errors');
    // Between them, an evaluation saw ErrorsHeld pending with the same value.
    const states = evaluations.map((e) => e.alerts.map((a) => `${a.name}:${a.state}:${a.value}`).join(' '));
    assert.ok(states.includes('Errors:firing:3 ErrorsHeld:pending:3'), states.join('\n'));
    assert.equal(states.at(-1), 'Errors:firing:3 ErrorsHeld:firing:3');
  });

  it('serve --rules: the same evaluator in the server, GET /audit/alerts, stopped cleanly by SIGTERM', async () => {
    const dir = join(root, 'served');
    mkdirSync(dir, { recursive: true });
    appendFileSync(join(dir, 'audit.log'), event(new Date(Date.now() - 60_000).toISOString(), { level: 'ERROR', event_type: 'system_error' }));
    const rules = join(root, 'served.json');
    writeFileSync(rules, JSON.stringify({ evaluation_interval: '1s', rules: [{ name: 'AnyError', kind: 'error_count', window: '1h', threshold: 0 }] }));
    let url = '';
    let answer: { enabled: boolean; active: { name: string; state: string; value: number }[] } | undefined;
    const r = await daybook(['serve', '--dir', dir, '--rules', rules, '--port', '0'], undefined, async (child, stdout) => {
      const m = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (m === null || url !== '') return;
      url = m[1]!;
      for (let i = 0; i < 100 && (answer === undefined || answer.active.length === 0); i++) {
        answer = (await (await fetch(`${url}/audit/alerts`)).json()) as typeof answer;
        await new Promise((res) => setTimeout(res, 200));
      }
      child.kill('SIGTERM');
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(answer?.active.map((a) => [a.name, a.state, a.value]), [['AnyError', 'firing', 1]]);
    assert.ok(existsSync(join(dir, '.daybook', 'alerts', 'state.json')));
    assert.match(readFileSync(join(dir, '.daybook', 'alerts', 'audit', 'audit.log'), 'utf8'), /"event_type":"alert_firing"/);
  });

  it('silence add through `daybook alert`: a silenced alert fires without a notification, and the silence is in the trail', async (t) => {
    const h = await hook();
    t.after(h.close);
    const rules = rulesFile('silenced.json', h.url);
    // A silence cannot end in the past: the errors are this hour's, evaluated now.
    const dir = join(root, 'silenced');
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 12; i++) appendFileSync(join(dir, 'audit.log'), event(new Date(Date.now() - (20 - i) * 60_000).toISOString(), { level: 'ERROR', event_type: 'system_error' }));
    const add = await daybook(['alert', 'silence', 'add', '--dir', dir, '--matcher', 'alertname=HighErrorCount', '--duration', '2h', '--comment', 'broker maintenance']);
    assert.equal(add.status, 0, add.stderr);
    const list = await daybook(['alert', 'silence', 'list', '--dir', dir, '--all']);
    assert.match(list.stdout, /alertname=HighErrorCount.*broker maintenance/);
    const r = await daybook(['alert', '--dir', dir, '--rules', rules, '--once', '--json']);
    assert.equal(r.status, 1, 'still evaluated: it fires');
    assert.equal((JSON.parse(r.stdout) as { alerts: { name: string; state: string }[] }).alerts.find((a) => a.name === 'HighErrorCount')?.state, 'firing');
    assert.deepEqual(h.bodies, [], 'but nobody is told');
    const trail = readFileSync(join(dir, '.daybook', 'alerts', 'audit', 'audit.log'), 'utf8');
    assert.match(trail, /"event_type":"alert_silence"/);
    assert.match(trail, /"event_type":"alert_firing"/);
  });

  it('--prometheus-rules: the rules file as Prometheus alerting rules; a bad file is exit 2', async () => {
    const r = await daybook(['alert', '--prometheus-rules', EXAMPLE]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^groups:/m);
    assert.match(r.stdout, /^    interval: 15m$/m, 'the example\'s evaluation_interval (15m)');
    assert.match(r.stdout, /alert: HighErrorCount\n\s+expr: increase\(daybook_errors_total\[1h\]\) > 10/);
    const bad = join(root, 'bad-prom.json');
    writeFileSync(bad, JSON.stringify({ rules: [{ name: 'X', kind: 'nope', window: '1h', threshold: 1 }] }));
    const b = await daybook(['alert', '--prometheus-rules', bad]);
    assert.equal(b.status, 2);
    assert.match(b.stderr, /rule "X": kind/);
  });

  it('bad usage is exit 2', async () => {
    assert.equal((await daybook(['alert', '--dir', root])).status, 2, 'no --rules');
    assert.equal((await daybook(['alert', '--rules', EXAMPLE, '--dir', root, '--at', '2026-09-15T12:00:00Z'])).status, 2, '--at without --once');
    assert.equal((await daybook(['alert', '--rules', EXAMPLE, '--clickhouse', 'http://127.0.0.1:8123'])).status, 2, '--clickhouse without --state');
  });
});
