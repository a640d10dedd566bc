import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSettings, createStatements } from '@daybook/clickhouse';
import { appLog, auditFiles, insertSql, loggedBot, rowsOf } from '../../../clickhouse/dist/test/fleet.js';
import { clickhouseMissing, freePort, startClickHouse, type ClickHouseInstance } from '../../../clickhouse/dist/test/server.js';
import { BIN, run, type Run } from '../test/run.js';

// `--clickhouse` on report and verify, run as a user runs them (the real bin, a real
// ClickHouse 18.16 on loopback): the same JSON as over the directory, verify's proof against
// what was shipped, and clear errors that never print the password.

// Asynchronous: the ClickHouse server's HTTP answers must not wait on a blocked event loop.
const daybook = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> => {
  const { CLICKHOUSE_USER: _u, CLICKHOUSE_PASSWORD: _p, ...rest } = process.env;
  return run(args, { ...rest, ...env });
};

function near(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected === 'number') {
    assert.ok(typeof actual === 'number' && Math.abs(actual - expected) <= Math.max(1e-12, Math.abs(expected) * 1e-9), `${path}: ${String(actual)} != ${expected}`);
  } else if (expected !== null && typeof expected === 'object') {
    assert.deepEqual(Object.keys(actual as object).sort(), Object.keys(expected).sort(), path);
    for (const [k, v] of Object.entries(expected)) near((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
  } else assert.equal(actual, expected, path);
}

describe('daybook report / verify --clickhouse', { skip: clickhouseMissing() }, () => {
  let ch: ClickHouseInstance;
  let root: string;
  let dir: string;
  let url: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'daybook-cli-ch-'));
    dir = join(root, 'bot1');
    [ch] = await Promise.all([startClickHouse({ users: { alice: 'secret-pw' } }), loggedBot(dir, 11, Date.UTC(2024, 2, 1, 9), 2, 120)]);
    url = ch.url;
    const settings = Object.entries(createSettings('18.16.1')).map(([k, v]) => `${k}=${v}`).join('&');
    for (const s of createStatements({ database: 'daybook' })) await fetch(`${url}/?${settings}`, { method: 'POST', body: s }).then((r) => r.text());
    const rows = rowsOf(auditFiles(dir), 'bot1');
    await ch.query(insertSql('daybook', rows));
    await ch.query(insertSql('daybook', rows.map((r) => ({ ...r, bot: 'partial' })).slice(1)));
  });
  after(async () => {
    await ch?.destroy();
    rmSync(root, { recursive: true, force: true });
  });

  it('report --json over ClickHouse equals report --json over the directory, for each report', async () => {
    for (const kind of ['trading', 'system', 'risk', 'symbols', 'errors']) {
      const files = await daybook(['report', kind, '--dir', dir, '--json', '--no-index']);
      const fleet = await daybook(['report', kind, '--clickhouse', url, '--bot', 'bot1', '--json']);
      assert.equal(fleet.status, 0, fleet.stderr);
      near(JSON.parse(fleet.stdout), JSON.parse(files.stdout), kind);
    }
    const day = await daybook(['report', 'daily', '--date', '2024-03-04', '--clickhouse', url, '--host', 'h1']);
    assert.equal(day.status, 0, day.stderr);
    assert.match(day.stdout, /== Trading ==/);
  });

  it('verify DIR --clickhouse: exit 0 when ClickHouse holds exactly its events; 1 naming the missing, altered and added ones', async () => {
    const ok = await daybook(['verify', dir, '--clickhouse', url]);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^ok: ClickHouse at http:\/\/127\.0\.0\.1:\d+ holds exactly the \d+ events of bot bot1$/m);

    const partial = await daybook(['verify', dir, '--clickhouse', url, '--bot', 'partial', '--json']);
    assert.equal(partial.status, 1);
    const r = JSON.parse(partial.stdout) as { ok: boolean; clickhouse: { ok: boolean; counts: Record<string, number>; missing: { at: string }[] } };
    assert.equal(r.ok, true); // the directory's own chain is fine
    assert.deepEqual(r.clickhouse.counts, { missing: 1, altered: 0, added: 0 });
    assert.equal(r.clickhouse.missing[0]!.at, 'audit.log:1');

    // An altered copy (a later insert wins under FINAL) and an added event.
    const [first] = rowsOf(auditFiles(dir), 'bot1');
    await ch.query(insertSql('daybook', [{ ...first!, message: 'rewritten' }, { ...first!, event_id: 'not-in-the-directory', offset: 1 }]));
    const bad = await daybook(['verify', dir, '--clickhouse', url]);
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /^altered +audit\.log:1 +event \S+ differs in ClickHouse: message$/m);
    assert.match(bad.stdout, /^added +\S+ +event not-in-the-directory is in ClickHouse, not in the directory$/m);
    assert.match(bad.stdout, /^DIFFERS: .* 0 missing, 1 altered, 1 added/m);
  });

  // What a user does (README, "A fleet on ClickHouse"): ship a directory holding an app's text
  // log beside the audit log, then verify it. The app lines are shipped (app_log rows) but no
  // chain vouches for them: they are not "added" events of the directory.
  it('verify DIR --clickhouse after daybook ship of a directory with an app log: exit 0', async () => {
    const withApp = join(root, 'with-app', 'bot1');
    cpSync(dir, withApp, { recursive: true });
    appLog(withApp, 'hedge-bot', Date.UTC(2024, 2, 1, 9), 12);
    // its own database: the other tests read the fleet of `daybook`
    const shipped = await daybook(['ship', '--dir', withApp, '--clickhouse', url, '--database', 'with_app', '--once']);
    assert.equal(shipped.status, 0, shipped.stderr);
    assert.match(shipped.stdout, /\(12 of them app text lines, as app_log events\)/);
    const r = await daybook(['verify', withApp, '--clickhouse', url, '--database', 'with_app', '--json']);
    const json = JSON.parse(r.stdout) as { clickhouse: { ok: boolean; counts: Record<string, number>; lines: number; rows: number } };
    assert.deepEqual(json.clickhouse.counts, { missing: 0, altered: 0, added: 0 });
    assert.equal(json.clickhouse.rows, json.clickhouse.lines);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('a directory cut short after shipping fails against ClickHouse, the outside witness', async () => {
    const cut = join(root, 'cut', 'bot1');
    cpSync(dir, cut, { recursive: true });
    const log = join(cut, 'audit.log');
    const lines = readFileSync(log, 'utf8').split('\n');
    writeFileSync(log, lines.slice(0, -4).join('\n') + '\n'); // the last three lines gone
    const r = await daybook(['verify', cut, '--clickhouse', url, '--json']);
    assert.equal(r.status, 1);
    const json = JSON.parse(r.stdout) as { clickhouse: { counts: Record<string, number> } };
    assert.ok(json.clickhouse.counts.added! >= 3, JSON.stringify(json.clickhouse.counts));
  });

  it('query --clickhouse runs the SQL in ClickHouse, read-only, events in the named database', async () => {
    const r = await daybook(['query', '--clickhouse', url, '--json', "SELECT bot, count() AS n FROM events FINAL WHERE bot = 'partial' GROUP BY bot"]);
    assert.equal(r.status, 0, r.stderr);
    const files = await daybook(['report', 'system', '--dir', dir, '--json', '--no-index']);
    assert.deepEqual((JSON.parse(r.stdout) as { bot: string; n: unknown }[]).map((x) => [x.bot, Number(x.n)]), [['partial', (JSON.parse(files.stdout) as { total_events: number }).total_events - 1]]);
    const table = await daybook(['query', '--clickhouse', url, 'SELECT 1 AS one']);
    assert.match(table.stdout, /one/);
    const drop = await daybook(['query', '--clickhouse', url, 'DROP TABLE events']);
    assert.equal(drop.status, 1);
    assert.match(drop.stderr, /DAYBOOK_E_CLICKHOUSE_QUERY/);
    assert.equal(Number((await ch.query('SELECT count() FROM daybook.events')).trim()) > 0, true);
    assert.equal((await daybook(['query', '--clickhouse', url, '--from', '2024-01-01', 'SELECT 1'])).status, 2);
  });

  it('serve --clickhouse: the report routes take bot and host and answer the fleet\'s figures; /audit/fleet is the per-bot overview', async () => {
    const server = spawn(process.execPath, [BIN, 'serve', '--clickhouse', url, '--dir', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const base = await new Promise<string>((resolve, reject) => {
        let out = '';
        server.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /at (http:\/\/\S+) \(API docs/.exec(out);
          if (m !== null) resolve(m[1]!);
        });
        server.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
      });
      const files = await daybook(['report', 'trading', '--dir', dir, '--json', '--no-index']);
      const api = (await (await fetch(`${base}/audit/trading_metrics?bot=bot1`)).json()) as Record<string, unknown>;
      near(api, JSON.parse(files.stdout) as Record<string, unknown>);
      const fleet = (await (await fetch(`${base}/audit/fleet`)).json()) as { bots: { bot: string; total_trades: number }[] };
      assert.deepEqual(fleet.bots.map((b) => b.bot), ['bot1', 'partial']);
      assert.equal(fleet.bots[0]!.total_trades, (JSON.parse(files.stdout) as { total_trades: number }).total_trades);
      // Events come from ClickHouse too (serve wires the fleet's events): the directory's lines,
      // oldest first, and the one an earlier test added to ClickHouse only.
      const page = (await (await fetch(`${base}/audit/events?bot=bot1&limit=1000&order=asc`)).json()) as { events: { event_id: string }[] };
      const lines = readFileSync(join(dir, 'audit.log'), 'utf8').split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { event_id: string }).event_id);
      assert.deepEqual(page.events.map((e) => e.event_id).filter((id) => id !== 'not-in-the-directory'), lines);
      assert.ok(lines.length > 100);
      assert.equal(((await (await fetch(`${base}/health`)).json()) as { fleet: boolean }).fleet, true);
    } finally {
      server.kill('SIGTERM');
    }
  });

  it('credentials: from the URL or the environment, never printed; bad URL, unreachable, wrong password are clear errors', async () => {
    const auth = url.replace('http://', 'http://alice:secret-pw@');
    assert.equal((await daybook(['report', 'system', '--clickhouse', auth, '--json'])).status, 0);
    assert.equal((await daybook(['report', 'system', '--clickhouse', url, '--json'], { CLICKHOUSE_USER: 'alice', CLICKHOUSE_PASSWORD: 'secret-pw' })).status, 0);

    const wrong = await daybook(['report', 'system', '--clickhouse', url.replace('http://', 'http://alice:wrong-pw@')]);
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /refused the user "alice".*\[DAYBOOK_E_CLICKHOUSE_AUTH\]/);
    assert.doesNotMatch(wrong.stderr + wrong.stdout, /wrong-pw/);

    const down = await daybook(['verify', dir, '--clickhouse', `http://bob:pw-down@127.0.0.1:${await freePort()}`]);
    assert.equal(down.status, 1);
    assert.match(down.stderr, /cannot reach ClickHouse at http:\/\/127\.0\.0\.1:\d+ .*\[DAYBOOK_E_CLICKHOUSE_UNREACHABLE\]/);
    assert.doesNotMatch(down.stderr, /pw-down|bob/);

    const noTable = await daybook(['report', 'trading', '--clickhouse', url, '--database', 'elsewhere']);
    assert.equal(noTable.status, 1);
    assert.match(noTable.stderr, /no elsewhere\.events table.*\[DAYBOOK_E_CLICKHOUSE_NO_TABLE\]/);

    const badUrl = await daybook(['report', 'trading', '--clickhouse', 'ftp://x']);
    assert.equal(badUrl.status, 2);
    assert.match(badUrl.stderr, /DAYBOOK_E_CLICKHOUSE_URL/);
    assert.equal((await daybook(['report', 'trading', '--bot', 'bot1'])).status, 2);
    assert.equal((await daybook(['report', 'trading', '--clickhouse', url, '--dir', dir])).status, 2);
  });
});
