import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { LogAnalyzer } from '@daybook/analytics';
import { AuditLogger } from '@daybook/core';
import { buildApp } from './app.js';
import { SERVER_ERROR_CODES } from './errors.js';
import { assertCachedUntilChange, auditEvents, fixture, logger, tempDir } from './test/helpers.js';

let dir: string;
let app: FastifyInstance;
const range = 'start_date=2024-01-01&end_date=2024-01-31';

before(async () => {
  dir = await fixture();
  app = await buildApp({ logDir: dir, pollMs: 50, maxStaleMs: 0 });
});
after(() => app.close());

const get = async (url: string, headers: Record<string, string> = {}) => {
  const r = await app.inject({ method: 'GET', url, headers });
  return { status: r.statusCode, body: String(r.headers['content-type']).startsWith('application/json') ? r.json() : r.body, headers: r.headers };
};

describe('reports (the seed endpoints)', () => {
  it('answer what LogAnalyzer computes, under the snake_case names of metrics.md', async () => {
    const a = new LogAnalyzer(dir);
    const pairs: [string, unknown][] = [
      [`/audit/trading_metrics?${range}`, await a.getTradingMetrics('2024-01-01', '2024-01-31')],
      [`/audit/system_metrics?${range}`, await a.getSystemMetrics('2024-01-01', '2024-01-31')],
      [`/audit/risk_metrics?${range}`, await a.getRiskMetrics('2024-01-01', '2024-01-31')],
      [`/audit/symbol_performance?${range}`, await a.getSymbolPerformance('2024-01-01', '2024-01-31')],
      [`/audit/error_summary?${range}`, await a.getErrorSummary('2024-01-01', '2024-01-31')],
    ];
    for (const [url, expected] of pairs) {
      const r = await get(url);
      assert.equal(r.status, 200, url);
      assert.deepEqual(r.body, JSON.parse(JSON.stringify(expected)), url);
    }
    const t = (await get(`/audit/trading_metrics?${range}`)).body;
    assert.equal(t.total_trades, 5);
    assert.equal(t.total_pnl, 720);
    assert.equal(t.profit_factor, 970 / 250);
    const s = (await get('/audit/symbol_performance?start_date=2024-01-16&end_date=2024-01-16')).body;
    assert.deepEqual(s.map((x: { symbol: string }) => x.symbol), ['TSLA']);
  });

  it('daily_report is one UTC day', async () => {
    const r = await get('/audit/daily_report?date=2024-01-15');
    assert.equal(r.status, 200);
    assert.equal(r.body.date, '2024-01-15');
    assert.equal(r.body.trading_metrics.total_trades, 3);
    assert.ok('generated_at' in r.body && 'symbol_performance' in r.body && 'error_summary' in r.body);
    assert.equal((await get('/audit/daily_report')).status, 200);
  });

  it('a query is answered from the cache until the files change', async () => {
    await assertCachedUntilChange('/audit/trading_metrics', (body) => body.total_trades);
  });
});

describe('events', () => {
  it('pages through every event with the cursor, newest first or oldest first', async () => {
    const all = auditEvents(dir).map((e) => e.event_id);
    for (const order of ['desc', 'asc'] as const) {
      const seen: unknown[] = [];
      let cursor: string | null = null;
      do {
        const r: { status: number; body: any } = await get(`/audit/events?limit=4&order=${order}${cursor === null ? '' : `&cursor=${cursor}`}`);
        assert.equal(r.status, 200);
        assert.ok(r.body.events.length <= 4);
        seen.push(...r.body.events.map((e: { event_id: string }) => e.event_id));
        cursor = r.body.next_cursor;
      } while (cursor !== null);
      assert.deepEqual(seen, order === 'asc' ? all : [...all].reverse());
    }
  });

  it('filters by range, types, level, symbol and session', async () => {
    const events = auditEvents(dir);
    const pick = (f: (e: Record<string, unknown>) => boolean) => events.filter(f).map((e) => e.event_id).reverse();
    const ids = async (q: string) => (await get(`/audit/events?limit=1000&${q}`)).body.events.map((e: { event_id: string }) => e.event_id);
    assert.deepEqual(await ids('event_types=trade_exit,trade_entry&symbol=TSLA'), pick((e) => (e.event_type === 'trade_exit' || e.event_type === 'trade_entry') && e.symbol === 'TSLA'));
    assert.deepEqual(await ids('event_types=trade_exit&event_types=api_call'), pick((e) => e.event_type === 'trade_exit' || e.event_type === 'api_call'));
    assert.deepEqual(await ids('level=warning'), pick((e) => e.level === 'WARNING' || e.level === 'ERROR' || e.level === 'CRITICAL'));
    assert.deepEqual(await ids('start_date=2024-01-16'), pick((e) => (e.timestamp as string) >= '2024-01-16'));
    assert.deepEqual(await ids('end_date=2024-01-15T12:00:00Z'), pick((e) => (e.timestamp as string) <= '2024-01-15T12:00:00.000Z'));
    assert.deepEqual(await ids('session=s1'), pick(() => true));
    assert.deepEqual(await ids('session=nobody'), []);
    assert.deepEqual(await ids('symbol=%27%3B%20DROP%20TABLE%20events%3B--'), []);
  });

  it('reads events in rotated and compressed files', async () => {
    const d = tempDir();
    const audit = new (await import('@daybook/core')).AuditLogger({ logDir: d, consoleLevel: false, maxFileSize: 4096, backupCount: 50, compress: true });
    for (let i = 0; i < 60; i++) void audit.logEvent('market_status', `status ${i}`, { metadata: { i } });
    await audit.close();
    const a2 = await buildApp({ logDir: d, docs: false });
    try {
      const messages: string[] = [];
      let cursor: string | null = null;
      do {
        const r: { json(): any } = await a2.inject(`/audit/events?order=asc&limit=7&event_types=market_status${cursor === null ? '' : `&cursor=${cursor}`}`);
        messages.push(...r.json().events.map((e: { message: string }) => e.message));
        cursor = r.json().next_cursor;
      } while (cursor !== null);
      assert.deepEqual(messages, Array.from({ length: 60 }, (_, i) => `status ${i}`));
      assert.ok(a2.daybook.index.files.some((f) => f.info.gz), 'some files were compressed');
    } finally {
      await a2.close();
    }
  });
});

describe('export_logs', () => {
  it('streams the file back without an export directory', async () => {
    const r = await app.inject({ method: 'POST', url: '/audit/export_logs', payload: { output_file: 'trading_logs_2024_01.csv', start_date: '2024-01-01', end_date: '2024-01-31', event_types: ['trade_entry', 'trade_exit'] } });
    assert.equal(r.statusCode, 200);
    assert.match(r.headers['content-type'] as string, /text\/csv/);
    assert.match(r.headers['content-disposition'] as string, /trading_logs_2024_01\.csv/);
    const rows = r.body.trim().split('\n');
    assert.equal(rows.length, 1 + 10);
    assert.ok(rows[0]!.startsWith('timestamp,level,event_type'));
  });

  it('writes inside the export directory and refuses paths that leave it', async () => {
    const out = tempDir();
    const a2 = await buildApp({ logDir: dir, exportDir: out, docs: false });
    try {
      const ok = await a2.inject({ method: 'POST', url: '/audit/export_logs', payload: { output_file: 'x.jsonl', event_types: ['trade_exit'] } });
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.json().rows, 5);
      assert.equal(readFileSync(join(out, 'x.jsonl'), 'utf8').trim().split('\n').length, 5);
      for (const bad of ['../x.csv', '/etc/passwd', 'a/b.csv', '..', '.hidden', 'x\u0000.csv', '..\\x.csv', 'C:\\x.csv', '%2e%2e/x.csv']) {
        const r = await a2.inject({ method: 'POST', url: '/audit/export_logs', payload: { output_file: bad } });
        assert.equal(r.statusCode, 400, bad);
        assert.equal(r.json().error, 'DAYBOOK_E_SERVER_EXPORT_PATH', bad);
        assert.equal(r.json().field, 'output_file');
      }
    } finally {
      await a2.close();
    }
  });
});

describe('operations', () => {
  it('verify keeps its answer while the files are the same, and checks again when one changes, in place too', async () => {
    const d = tempDir();
    const audit = logger(d);
    void audit.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 1, pnl: 10 });
    await audit.close();
    const a2 = await buildApp({ logDir: d, verifyEveryMs: 0, docs: false });
    try {
      const verify = async () => (await a2.inject('/audit/verify')).json() as { ok: boolean; checked_at: string; problems: { kind: string }[] };
      const first = await verify();
      assert.equal(first.ok, true);
      for (let i = 0; i < 3; i++) assert.equal((await verify()).checked_at, first.checked_at, 'not verified again');
      const file = join(d, 'audit.log');
      writeFileSync(file, readFileSync(file, 'utf8').replace('"pnl":10', '"pnl":90')); // same size
      const edited = await verify();
      assert.equal(edited.ok, false);
      assert.ok(edited.problems.some((p) => p.kind === 'modified'), JSON.stringify(edited.problems));
    } finally {
      await a2.close();
    }
  });

  it('health, verify, metrics and the OpenAPI document', async () => {
    const h = await get('/health');
    assert.equal(h.status, 200);
    assert.equal(h.body.status, 'healthy');
    const v = await get('/audit/verify');
    assert.equal(v.status, 200);
    assert.equal(v.body.ok, true);
    assert.ok(Array.isArray(v.body.files) && Array.isArray(v.body.problems));
    const m = await get('/metrics');
    assert.equal(m.status, 200);
    assert.match(m.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
    const text = m.body as string;
    assert.match(text, /^daybook_events_total\{event_type="trade_exit",level="INFO"\} 5$/m);
    assert.match(text, /^daybook_trades_total 5$/m);
    assert.match(text, /^daybook_realized_pnl 720$/m);
    assert.match(text, /^daybook_errors_total 2$/m);
    assert.match(text, /^daybook_api_latency_seconds_bucket\{le="\+Inf"\} 5$/m);
    assert.match(text, /^daybook_log_file_size_bytes\{file="audit.log"\} \d+$/m);
    const doc = await get('/docs/json');
    assert.equal(doc.status, 200);
    for (const p of ['/audit/daily_report', '/audit/trading_metrics', '/audit/system_metrics', '/audit/risk_metrics', '/audit/symbol_performance', '/audit/error_summary', '/audit/export_logs', '/audit/events', '/audit/stream', '/audit/verify', '/audit/timeseries', '/health', '/metrics']) {
      assert.ok(p in doc.body.paths, p);
    }
    assert.equal((await get('/docs')).status, 200);
    assert.equal((await get('/docs/static/swagger-ui-bundle.js')).status, 200, 'UI assets come from the package');
  });

  it('a token guards everything but /health; CORS is off unless asked', async () => {
    const a2 = await buildApp({ logDir: dir, token: 's3cret-token' });
    try {
      assert.equal((await a2.inject('/health')).statusCode, 200);
      for (const url of ['/audit/trading_metrics', '/audit/events', '/metrics', '/docs/json', '/nope']) {
        const r = await a2.inject(url);
        assert.equal(r.statusCode, 401, url);
        assert.equal(r.json().error, 'DAYBOOK_E_SERVER_UNAUTHORIZED');
        assert.equal((await a2.inject({ url, headers: { authorization: 'Bearer wrong-token!' } })).statusCode, 401);
      }
      assert.equal((await a2.inject({ url: '/audit/trading_metrics', headers: { authorization: 'Bearer s3cret-token' } })).statusCode, 200);
    } finally {
      await a2.close();
    }
    const plain = await app.inject({ url: '/health', headers: { origin: 'http://evil.example' } });
    assert.equal(plain.headers['access-control-allow-origin'], undefined);
    const a3 = await buildApp({ logDir: dir, cors: 'http://localhost:5173', docs: false });
    try {
      const r = await a3.inject({ url: '/health', headers: { origin: 'http://localhost:5173' } });
      assert.equal(r.headers['access-control-allow-origin'], 'http://localhost:5173');
    } finally {
      await a3.close();
    }
  });

  it('serves static files at / for the dashboard, API routes first', async () => {
    const s = tempDir();
    writeFileSync(join(s, 'index.html'), '<h1>dashboard</h1>');
    mkdirSync(join(s, 'assets'));
    writeFileSync(join(s, 'assets', 'app.js'), 'console.log(1)');
    const a2 = await buildApp({ logDir: dir, staticDir: s });
    try {
      assert.match((await a2.inject('/')).body, /dashboard/);
      assert.equal((await a2.inject('/assets/app.js')).statusCode, 200);
      assert.equal((await a2.inject('/health')).json().status, 'healthy');
      assert.equal((await a2.inject('/docs')).statusCode, 200);
    } finally {
      await a2.close();
    }
    // With a token the page's own files still load (they hold no data, and the page must load
    // to ask for the token); every data route keeps asking for it.
    const guarded = await buildApp({ logDir: dir, staticDir: s, token: 's3cret-token' });
    try {
      assert.equal((await guarded.inject('/')).statusCode, 200);
      assert.equal((await guarded.inject('/assets/app.js')).statusCode, 200);
      for (const url of ['/audit/trading_metrics', '/audit/stream', '/metrics', '/docs', '/docs/json']) {
        assert.equal((await guarded.inject(url)).statusCode, 401, url);
      }
      assert.equal((await guarded.inject({ method: 'POST', url: '/audit/export_logs', payload: {} })).statusCode, 401);
    } finally {
      await guarded.close();
    }
  });

  it('every error code is documented in README.md', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const code of Object.keys(SERVER_ERROR_CODES)) assert.ok(readme.includes(code), code);
  });

  it('verify (run in a worker thread) reports damage and checks signatures with the configured key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const dir = tempDir();
    const audit = new AuditLogger({ logDir: dir, consoleLevel: false, signingKey: privateKey, env: {} });
    for (let i = 0; i < 20; i++) void audit.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 1, pnl: i, orderId: `o${i}` });
    await audit.close();
    const a2 = await buildApp({ logDir: dir, docs: false, verifyEveryMs: 0, publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string });
    try {
      const clean = (await a2.inject('/audit/verify')).json();
      assert.equal(clean.ok, true);
      assert.ok(clean.signed.includes('audit.log'), JSON.stringify(clean.signed));
      const file = join(dir, 'audit.log');
      writeFileSync(file, readFileSync(file, 'utf8').replace('"pnl":7,', '"pnl":70,'));
      const damaged = (await a2.inject('/audit/verify')).json();
      assert.equal(damaged.ok, false);
      assert.deepEqual(damaged.problems.map((p: { file: string; kind: string }) => [p.file, p.kind]), [['audit.log', 'modified']]);
    } finally {
      await a2.close();
    }
  });

  it('a missing log directory is a 503, not a 500', async () => {
    const a2 = await buildApp({ logDir: join(tempDir(), 'gone'), docs: false });
    try {
      for (const url of ['/audit/trading_metrics', '/audit/events', '/metrics', '/audit/verify', '/health']) {
        const r = await a2.inject(url);
        assert.equal(r.statusCode, 503, url);
      }
    } finally {
      await a2.close();
    }
  });
});

