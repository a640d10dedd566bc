import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { AuditLogger, EventType } from '@daybook/core';
import { prometheusRulesCommand } from './prometheus-rules.js';
import { HOUR, debianBinary, exampleRules, rule } from './test/prometheus.js';

// The exported rules in a real Prometheus (Debian's 2.42) scraping a real `daybook serve`
// over a directory written by the real logger, firing through a real Alertmanager (0.25)
// into a webhook receiver on loopback: the receiver gets the firing alerts with the rules'
// labels and annotations, and a resolved one when the condition stops. Scrape and
// evaluation every second, `for: 0s`, Alertmanager's shortest group timings.

const prometheus = debianBinary('prometheus');
const alertmanager = debianBinary('prometheus-alertmanager');
const skip = prometheus === undefined || alertmanager === undefined ? 'Debian\'s prometheus and prometheus-alertmanager are not installed (.ci/run installs them; CI never skips)' : false;
const BIN = fileURLToPath(new URL('../../cli/dist/bin.js', import.meta.url));

interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
}
interface Webhook {
  version: string;
  status: string;
  alerts: WebhookAlert[];
}

/** A free loopback port (Prometheus and Alertmanager take an address, not a port 0 they report back). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const children: ChildProcess[] = [];
const output = new Map<ChildProcess, string>();
function start(cmd: string, args: string[]): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  output.set(child, '');
  const keep = (s: Buffer) => output.set(child, (output.get(child)! + s.toString('utf8')).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return child;
}
/** What every child printed (the end of it), for a failure's message. */
const logs = (): string => children.map((c) => `--- ${c.spawnfile}\n${output.get(c)}`).join('\n');

/** Polls `f` every 200 ms until it returns something other than undefined; fails after `ms` with what the processes printed. */
async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 40_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${logs()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function json(url: string): Promise<unknown> {
  try {
    const r = await fetch(url);
    return r.ok ? await r.json() : undefined;
  } catch {
    return undefined; // not listening yet
  }
}

describe('exported rules in a real Prometheus, through a real Alertmanager', { skip }, () => {
  let tmp: string;
  let logDir: string;
  let audit: AuditLogger;
  let receiver: Server;
  const received: Webhook[] = [];
  let promUrl: string;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'daybook-prom-e2e-'));
    logDir = join(tmp, 'logs');
    audit = new AuditLogger({ logDir, environment: 'test', sessionId: 'e2e', consoleLevel: false });
    // before the alerts: a health check; no API call, error or trade (so that the hour daybook
    // would evaluate and the samples Prometheus has hold the same events)
    void audit.logEvent(EventType.HEALTH_CHECK, 'System health check completed', { metadata: { status: 'healthy' } });
    await audit.flush();

    receiver = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (s: string) => (body += s)).on('end', () => {
        if (req.method === 'POST' && req.url === '/hook') received.push(JSON.parse(body) as Webhook);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;

    const serve = start(process.execPath, [BIN, 'serve', '--dir', logDir, '--port', '0']);
    const serveUrl = await until('daybook serve', () => /at (http:\/\/127\.0\.0\.1:\d+)/.exec(output.get(serve)!)?.[1]);

    const file = exampleRules();
    // the seed's two rules fire; DailyLoss fires, then resolves when a winning trade comes in
    file.rules = [
      ...file.rules.filter((r) => r.name === 'HighErrorCount' || r.name === 'SlowBroker' || r.name === 'DailyLoss'),
      rule({ name: 'QuietRule', kind: 'chain_damaged', window: HOUR, threshold: 0 }), // a whole chain: never fires
    ];
    file.evaluationInterval = 1000;
    writeFileSync(join(tmp, 'rules.yml'), prometheusRulesCommand(file));

    const amPort = await freePort();
    writeFileSync(join(tmp, 'alertmanager.yml'), stringify({
      route: { receiver: 'hook', group_by: ['alertname'], group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
      receivers: [{ name: 'hook', webhook_configs: [{ url: hookUrl, send_resolved: true }] }],
    }));
    start(alertmanager!, [`--config.file=${join(tmp, 'alertmanager.yml')}`, `--storage.path=${join(tmp, 'am')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=']);

    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    writeFileSync(join(tmp, 'prometheus.yml'), stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(tmp, 'rules.yml')],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
      scrape_configs: [{ job_name: 'daybook', static_configs: [{ targets: [new URL(serveUrl).host] }] }],
    }));
    start(prometheus!, [`--config.file=${join(tmp, 'prometheus.yml')}`, `--storage.tsdb.path=${join(tmp, 'prom')}`, `--web.listen-address=127.0.0.1:${promPort}`]);
    await until('Alertmanager ready', async () => ((await fetch(`http://127.0.0.1:${amPort}/-/ready`).catch(() => undefined))?.ok ? true : undefined));
    // Two scrapes of the quiet directory, so that increase() and rate() start from it.
    await until('two scrapes of daybook serve', async () => {
      const r = (await json(`${promUrl}/api/v1/query?query=${encodeURIComponent('count_over_time(daybook_errors_total[1m])')}`)) as { data?: { result?: { value: [number, string] }[] } } | undefined;
      return Number(r?.data?.result?.[0]?.value[1] ?? 0) >= 2 ? true : undefined;
    });
  });

  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
    await audit?.close();
    await new Promise((r) => (receiver ? receiver.close(r) : r(undefined)));
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const alertsOf = (status: 'firing' | 'resolved', name: string): WebhookAlert | undefined =>
    received.flatMap((w) => w.alerts).find((a) => a.status === status && a.labels.alertname === name);

  it('fires the seed\'s two rules and a daily loss with their labels and annotations, and resolves', async () => {
    // the seed's conditions: 12 errors and API calls of 2 s on average within the hour; and a loss of 500 today
    for (let i = 0; i < 12; i++) void audit.logError(`broker timeout ${i}`, 'broker');
    for (const latencyMs of [1500, 2000, 2500]) void audit.logApiCall({ endpoint: '/v2/orders', method: 'POST', statusCode: 200, latencyMs });
    void audit.logTradeExit({ symbol: 'AAPL', quantity: 10, price: 95, pnl: -500, orderId: 'loss' });
    await audit.flush();

    const high = await until('HighErrorCount in the webhook', () => alertsOf('firing', 'HighErrorCount'));
    assert.equal(high.labels.severity, 'critical');
    assert.equal(high.labels.job, 'daybook');
    // Prometheus's increase() extrapolates to the window's end: at least the 12 errors, not exactly 12
    const errors = /^([\d.e+]+) errors in the last hour on 127\.0\.0\.1:\d+ \(threshold 10\)$/.exec(high.annotations.summary ?? '');
    assert.ok(errors !== null, high.annotations.summary);
    assert.ok(Number(errors[1]) >= 12, high.annotations.summary);
    assert.equal(high.annotations.daybook_kind, 'error_count');

    const slow = await until('SlowBroker in the webhook', () => alertsOf('firing', 'SlowBroker'));
    assert.equal(slow.labels.severity, 'warning');
    const ms = /^average API latency ([\d.e+]+) ms$/.exec(slow.annotations.summary ?? '');
    assert.ok(ms !== null, slow.annotations.summary);
    assert.ok(Math.abs(Number(ms[1]) - 2000) < 1e-6, `the calls' mean, daybook's avg_api_latency (2000 ms): ${slow.annotations.summary}`);

    const loss = await until('DailyLoss in the webhook', () => alertsOf('firing', 'DailyLoss'));
    assert.deepEqual({ severity: loss.labels.severity, team: loss.labels.team }, { severity: 'critical', team: 'desk' });
    assert.equal(loss.annotations.summary, 'lost 500 today');
    assert.equal(loss.annotations.description, 'daily loss above 100');

    // a winning trade: the day is at +500, the loss rule resolves
    void audit.logTradeExit({ symbol: 'AAPL', quantity: 10, price: 110, pnl: 1000, orderId: 'win' });
    await audit.flush();
    const resolved = await until('DailyLoss resolved in the webhook', () => alertsOf('resolved', 'DailyLoss'));
    assert.equal(resolved.labels.team, 'desk');
    assert.ok(Date.parse(resolved.endsAt) >= Date.parse(resolved.startsAt));
    assert.equal(alertsOf('resolved', 'HighErrorCount'), undefined, 'the errors are still within the hour');

    const all = received.flatMap((w) => w.alerts);
    assert.equal(all.some((a) => a.labels.alertname === 'QuietRule'), false, 'a whole chain fires nothing');
    assert.ok(received.every((w) => w.version === '4'));
  });
});
