import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSettings, createStatements } from '@daybook/clickhouse';
import { auditFiles, insertSql, loggedBot, rowsOf } from '../../../clickhouse/dist/test/fleet.js';
import { BIN, run as daybook } from '../test/run.js';
import { clickhouseMissing, startClickHouse, type ClickHouseInstance } from '../../../clickhouse/dist/test/server.js';

// `daybook alert --clickhouse`: one alert per bot and host (labels bot and host), each value
// the figure `daybook report --clickhouse --bot --host` gives over the same range, against a
// real ClickHouse 18.16 on loopback.


const AT = '2024-03-20T00:00:00.000Z';
const FROM = '2024-02-19T00:00:00.000Z';

describe('daybook alert --clickhouse', { skip: clickhouseMissing(), timeout: 300_000 }, () => {
  let ch: ClickHouseInstance;
  let root: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'daybook-cli-alert-ch-'));
    [ch] = await Promise.all([startClickHouse(), loggedBot(join(root, 'bot1'), 11, Date.UTC(2024, 2, 1, 9), 2, 120), loggedBot(join(root, 'bot2'), 12, Date.UTC(2024, 2, 1, 9), 2, 120)]);
    const settings = Object.entries(createSettings('18.16.1')).map(([k, v]) => `${k}=${v}`).join('&');
    for (const s of createStatements({ database: 'daybook' })) await fetch(`${ch.url}/?${settings}`, { method: 'POST', body: s }).then((r) => r.text());
    await ch.query(insertSql('daybook', rowsOf(auditFiles(join(root, 'bot1')), 'bot1', 'h1')));
    await ch.query(insertSql('daybook', rowsOf(auditFiles(join(root, 'bot2')), 'bot2', 'h2')));
  });
  after(async () => {
    await ch?.destroy();
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });

  it('one alert per bot and host, each value equal to the report of that bot and host', async () => {
    const rules = join(root, 'rules.json');
    writeFileSync(rules, JSON.stringify({ rules: [
      { name: 'Errors', kind: 'error_count', window: '30d', threshold: 0, annotations: { summary: '{{ $labels.bot }} on {{ $labels.host }}: {{ $value }}' } },
      { name: 'Drawdown', kind: 'max_drawdown', window: '30d', threshold: 1e12 },
      { name: 'Latency', kind: 'p99_api_latency_ms', window: '30d', threshold: 1e12 },
    ] }));
    const r = await daybook(['alert', '--clickhouse', ch.url, '--state', join(root, 'state'), '--rules', rules, '--once', '--at', AT, '--json']);
    assert.ok(r.status === 0 || r.status === 1, r.stderr);
    const alerts = (JSON.parse(r.stdout) as { alerts: { name: string; value: number | null; labels: Record<string, string>; annotations: Record<string, string> }[] }).alerts;
    assert.deepEqual(alerts.map((a) => [a.name, a.labels.bot, a.labels.host]), [
      ['Errors', 'bot1', 'h1'], ['Errors', 'bot2', 'h2'], ['Drawdown', 'bot1', 'h1'], ['Drawdown', 'bot2', 'h2'], ['Latency', 'bot1', 'h1'], ['Latency', 'bot2', 'h2'],
    ]);
    for (const [bot, host] of [['bot1', 'h1'], ['bot2', 'h2']] as const) {
      const report = async (kind: string) => JSON.parse((await daybook(['report', kind, '--clickhouse', ch.url, '--bot', bot, '--host', host, '--from', FROM, '--to', AT, '--json'])).stdout) as Record<string, number>;
      const [errors, trading, system] = [await report('errors'), await report('trading'), await report('system')];
      const of = (name: string) => alerts.find((a) => a.name === name && a.labels.bot === bot)!;
      assert.equal(of('Errors').value, errors.total_errors, `${bot} errors`);
      assert.equal(of('Drawdown').value, trading.max_drawdown, `${bot} drawdown`);
      assert.equal(of('Latency').value, system.p99_api_latency, `${bot} p99`);
      assert.equal(of('Errors').annotations.summary, `${bot} on ${host}: ${errors.total_errors}`);
    }
    assert.ok(alerts.some((a) => a.name === 'Errors' && (a.value ?? 0) > 0), 'the fixture has errors');
  });

  it('--bot and --host narrow the fleet; a name with a quote and a backslash is a name, not SQL', async () => {
    const rules = join(root, 'narrow.json');
    writeFileSync(rules, JSON.stringify({ rules: [{ name: 'Errors', kind: 'error_count', window: '30d', threshold: 1e12 }] }));
    const run = (state: string, ...filter: string[]) => daybook(['alert', '--clickhouse', ch.url, '--state', join(root, state), '--rules', rules, '--once', '--at', AT, '--json', ...filter]);
    const one = await run('narrow-1', '--bot', 'bot2', '--host', 'h2');
    assert.equal(one.status, 0, one.stderr);
    assert.deepEqual((JSON.parse(one.stdout) as { alerts: { labels: Record<string, string> }[] }).alerts.map((a) => [a.labels.bot, a.labels.host]), [['bot2', 'h2']]);
    const odd = await run('narrow-2', '--bot', "bot1' OR '1'='1\\");
    assert.equal(odd.status, 0, odd.stderr);
    assert.deepEqual((JSON.parse(odd.stdout) as { alerts: unknown[] }).alerts, [], 'no bot has that name');
  });

  it('serve --clickhouse --rules: the server evaluates over the fleet, GET /audit/alerts has one alert per bot and host', async () => {
    const rules = join(root, 'served.json');
    writeFileSync(rules, JSON.stringify({ evaluation_interval: '1s', rules: [{ name: 'Errors', kind: 'error_count', window: '5000d', threshold: 0 }] }));
    const dir = join(root, 'served-logs');
    mkdirSync(dir);
    const p = spawn(process.execPath, [BIN, 'serve', '--clickhouse', ch.url, '--dir', dir, '--rules', rules, '--port', '0']);
    let stdout = '';
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => p.on('close', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        p.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          // The server's address, not ClickHouse's that the same line names first.
          const m = / at (http:\/\/127\.0\.0\.1:\d+) \(API docs/.exec(stdout);
          if (m !== null) resolve(m[1]!);
        });
        void exited.then(() => reject(new Error(`serve ended: ${stderr}`)));
      });
      let active: { name: string; state: string; value: number; labels: Record<string, string> }[] = [];
      for (let i = 0; i < 100 && active.length < 2; i++) {
        active = ((await (await fetch(`${url}/audit/alerts`)).json()) as { active: typeof active }).active;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.deepEqual(active.map((a) => [a.name, a.state, a.labels.bot, a.labels.host]).sort(), [['Errors', 'firing', 'bot1', 'h1'], ['Errors', 'firing', 'bot2', 'h2']]);
      for (const a of active) {
        const out = await daybook(['report', 'errors', '--clickhouse', ch.url, '--bot', a.labels.bot!, '--host', a.labels.host!, '--from', '2024-01-01', '--to', 'today', '--json']);
        assert.equal(out.status, 0, out.stdout + out.stderr);
        const report = JSON.parse(out.stdout) as { total_errors: number };
        assert.equal(a.value, report.total_errors, `${a.labels.bot}: the rule's value is the fleet report's (all the fixture's events are in both ranges)`);
      }
    } finally {
      p.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
  });
});
