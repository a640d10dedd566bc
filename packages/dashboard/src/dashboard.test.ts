// The dashboard in a real browser (Debian's Chromium through playwright-core) against the
// real @daybook/server over a log directory written by core's AuditLogger. Screenshots of
// the main view (dashboard-1440.png and dashboard-390.png) go to a temporary directory.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { startServer } from '@daybook/server';
import { dashboardDir, isDashboardBuilt } from './index.js';
import { CHROMIUM, collectErrors, launchBrowser } from './test/browser.js';
import { createFixture, type Fixture } from './test/fixture.js';

// Screenshots of this fixture go to a temporary directory, to look at; the README's pictures
// are of the demo's own logs (npm run screenshots, scripts/screenshots.mjs).
const SHOTS = join(tmpdir(), 'daybook-dashboard-shots');
const CARD_SOURCE: Record<string, 'trading_metrics' | 'system_metrics'> = {
  total_pnl: 'trading_metrics', win_rate: 'trading_metrics', profit_factor: 'trading_metrics', sharpe_ratio: 'trading_metrics',
  max_drawdown: 'trading_metrics', total_trades: 'trading_metrics', net_pnl: 'trading_metrics', total_fees: 'trading_metrics',
  open_trades: 'trading_metrics', error_count: 'system_metrics', avg_api_latency: 'system_metrics',
  p99_api_latency: 'system_metrics',
};
const CHARTS = ['chart-equity', 'chart-daily', 'chart-symbol', 'chart-strategy', 'chart-exit', 'chart-latency', 'chart-errors', 'chart-risk'];
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

const skip = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM} (apt-get install chromium)` : !isDashboardBuilt() ? 'the page is not built (npm run build)' : false;

describe('dashboard build', { skip: isDashboardBuilt() ? false : 'the page is not built (npm run build)' }, () => {
  it('ships under 300 KB gzipped', (t) => {
    const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
    const gz = files(dashboardDir).reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
    t.diagnostic(`dist/web: ${(gz / 1024).toFixed(1)} KiB gzipped`);
    assert.ok(gz < 300 * 1024, `${gz} bytes gzipped`);
  });
});

describe('dashboard in Chromium', { skip, timeout: 120_000 }, () => {
  let fixture: Fixture;
  let base: string;
  let close: () => Promise<void>;
  let closeServer: () => Promise<void>;
  let page: Page;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  const consoleErrors: string[] = [];

  const api = async (path: string): Promise<Record<string, unknown>> => {
    const res = await fetch(`${base}${path}`);
    assert.equal(res.status, 200, path);
    return (await res.json()) as Record<string, unknown>;
  };
  const cards = (p: Page): Promise<Record<string, string>> =>
    p.$$eval('[data-metric]', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-metric'), e.getAttribute('data-value')])));
  const loaded = (p: Page, start: string, end: string) => p.waitForSelector(`body[data-loading="false"][data-loaded-range="${start}..${end}"]`, { timeout: 30_000 });

  /** Every card holds exactly the number the REST API gives for the same range. */
  async function assertCardsMatch(start: string, end: string): Promise<Record<string, unknown>> {
    const q = `?start_date=${start}&end_date=${end}`;
    const [trading, system] = await Promise.all([api(`/audit/trading_metrics${q}`), api(`/audit/system_metrics${q}`)]);
    const shown = await cards(page);
    assert.deepEqual(Object.keys(shown).sort(), Object.keys(CARD_SOURCE).sort());
    for (const [metric, source] of Object.entries(CARD_SOURCE)) {
      const want = (source === 'trading_metrics' ? trading : system)[metric];
      assert.equal(shown[metric], JSON.stringify(want), `${metric} for ${start}..${end}`);
    }
    return trading;
  }

  before(async () => {
    fixture = await createFixture();
    const { app, url } = await startServer({ logDir: fixture.dir, port: 0, staticDir: dashboardDir, pollMs: 250, maxStaleMs: 100, verifyEveryMs: 100 });
    base = url;
    closeServer = () => app.close();
    browser = await launchBrowser();
    close = browser.close;
    page = await browser.context.newPage();
    collectErrors(page, consoleErrors);
    await page.goto(base);
  });

  after(async () => {
    await close?.();
    await closeServer?.();
    fixture?.audit.close();
    if (fixture !== undefined) rmSync(fixture.dir, { recursive: true, force: true });
  });

  it('shows today\'s cards with the REST API\'s numbers, and an intact chain', async () => {
    const today = day(Date.now());
    await loaded(page, today, today);
    const trading = await assertCardsMatch(today, today);
    assert.ok((trading.total_trades as number) > 0, 'the fixture has trades today');
    const pnl = await page.textContent('[data-metric="total_pnl"] .value');
    assert.match(pnl ?? '', /^−?\$[\d,]+\.\d\d$/);
    await page.waitForSelector('#chain.ok');
    // The charts and recent trades come from one /audit/timeseries answer: no request per
    // hour, no paging through /audit/events (whose index a large directory takes seconds to build).
    const paths = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.startsWith('/audit/')));
    assert.equal(paths.filter((p) => p === '/audit/timeseries').length, 1, paths.join(' '));
    assert.equal(paths.filter((p) => p === '/audit/system_metrics').length <= 2, true, paths.join(' ')); // the cards (and a live refresh)
    assert.deepEqual(paths.filter((p) => p === '/audit/events' || p === '/audit/risk_metrics'), []);
  });

  it('draws every chart (canvas or SVG, not blank)', async () => {
    for (const id of CHARTS) {
      const drawn = await page.$eval(`#${id}`, (el) => {
        const canvas = el.querySelector('canvas');
        if (canvas !== null) {
          const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
          return { kind: 'canvas', size: canvas.width * canvas.height, painted };
        }
        const svg = el.querySelector('svg');
        return { kind: svg === null ? 'none' : 'svg', size: svg === null ? 0 : svg.clientWidth * svg.clientHeight, painted: svg === null ? 0 : svg.querySelectorAll('rect').length };
      });
      assert.notEqual(drawn.kind, 'none', `${id} has no canvas or SVG`);
      assert.ok(drawn.size > 0 && drawn.painted > 0, `${id} is blank: ${JSON.stringify(drawn)}`);
    }
    assert.ok((await page.$$('#symbol-table tbody tr')).length > 0);
    assert.ok((await page.$$('#trades-table tbody tr')).length > 0);
    assert.ok((await page.$$('#error-table tbody tr')).length > 0);
  });

  it('a range change changes the cards (30 days, then 7), still equal to the API', async () => {
    const today = day(Date.now());
    const before = await cards(page);
    await page.click('[data-range="30d"]');
    const start30 = day(Date.now() - 29 * 86_400_000);
    await loaded(page, start30, today);
    const t30 = await assertCardsMatch(start30, today);
    assert.notEqual((await cards(page)).total_trades, before.total_trades);
    await page.click('[data-range="7d"]');
    const start7 = day(Date.now() - 6 * 86_400_000);
    await loaded(page, start7, today);
    const t7 = await assertCardsMatch(start7, today);
    assert.ok((t7.total_trades as number) < (t30.total_trades as number));
    // The symbol table sorts by a clicked column.
    await page.click('#symbol-table th button[data-sort="symbol"]');
    const symbols = await page.$$eval('#symbol-table tbody tr td:first-child', (tds) => tds.map((td) => td.textContent));
    assert.deepEqual(symbols, [...symbols].sort());
    await page.click('[data-range="today"]');
    await loaded(page, today, today);
  });

  it('a newly logged trade reaches the live feed, the cards and the equity curve; feed filters change what is listed', async (t) => {
    const today = day(Date.now());
    await page.waitForSelector('#conn.ok');
    const tradesBefore = Number(JSON.parse((await cards(page)).total_trades!));
    const t0 = Date.now();
    await Promise.all([
      fixture.audit.logApiCall({ endpoint: '/v2/account', method: 'GET', statusCode: 200, latencyMs: 42 }),
      fixture.audit.logError('Broker rejected order 77', 'broker'),
      fixture.audit.logTradeExit({ symbol: 'ZZLIVE', quantity: 10, price: 101.5, pnl: 321.25, orderId: 'live-1', strategyName: 'momentum', reason: 'take_profit_hit' }),
    ]);
    await fixture.audit.flush();
    await page.waitForSelector('#feed li[data-type="trade_exit"] >> text=ZZLIVE', { timeout: 10_000 });
    const feedMs = Date.now() - t0;
    await page.waitForFunction((n) => Number(document.querySelector('[data-metric="total_trades"]')?.getAttribute('data-value')) === n, tradesBefore + 1, { timeout: 10_000 });
    const cardsMs = Date.now() - t0;
    t.diagnostic(`live trade: in the feed after ${feedMs} ms, in the cards after ${cardsMs} ms (the issue asks for 2 s; not asserted on a shared machine)`);
    await assertCardsMatch(today, today);
    await page.waitForSelector('#trades-table >> text=ZZLIVE');

    const listed = () => page.$$eval('#feed li[data-event-id]', (lis) => lis.map((li) => ({ type: li.getAttribute('data-type'), text: li.textContent ?? '' })));
    assert.ok(new Set((await listed()).map((e) => e.type)).size >= 2, 'several event types before filtering');
    await page.selectOption('#feed-type', 'trade_exit');
    const trades = await listed();
    assert.ok(trades.length >= 1 && trades.every((e) => e.type === 'trade_exit'));
    await page.selectOption('#feed-type', '');
    await page.selectOption('#feed-level', 'ERROR');
    const errors = await listed();
    assert.ok(errors.length >= 1 && errors.every((e) => /ERROR|CRITICAL/.test(e.text)));
    await page.selectOption('#feed-level', '');
    await page.selectOption('#feed-symbol', 'ZZLIVE');
    assert.ok((await listed()).every((e) => e.text.includes('ZZLIVE')));
    await page.selectOption('#feed-symbol', '');
  });

  it('screenshots of the main view at 1440x900 and 390x844', async () => {
    mkdirSync(SHOTS, { recursive: true });
    for (const [width, height] of [[1440, 900], [390, 844]] as const) {
      await page.setViewportSize({ width, height });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.waitForTimeout(400); // charts follow the new width (ResizeObserver)
      await page.screenshot({ path: join(SHOTS, `dashboard-${width}.png`) });
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('logged no console errors', () => {
    assert.deepEqual(consoleErrors, []);
  });

  it('warns clearly when the log is damaged (one edited line)', async () => {
    const file = join(fixture.dir, 'audit.log');
    const text = readFileSync(file, 'utf8');
    const at = text.indexOf('"level":"DEBUG"');
    assert.ok(at > 0);
    writeFileSync(file, `${text.slice(0, at)}"level":"INFO"${text.slice(at + '"level":"DEBUG"'.length)}`);
    await page.reload();
    await page.waitForSelector('#chain.bad', { timeout: 15_000 });
    const warning = await page.textContent('#chain-warning:not(.hidden)');
    assert.match(warning ?? '', /damaged/);
    assert.match(warning ?? '', /modified/);
  });

  it('serves the page itself without a token (the data needs one)', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'daybook-empty-'));
    const { app, url } = await startServer({ logDir: empty, port: 0, staticDir: dashboardDir, token: 'sekret-token-123' });
    try {
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.equal((await fetch(`${url}/audit/trading_metrics`)).status, 401);
    } finally {
      await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('asks for a token once, shows the empty state, then an error state when the server goes away', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'daybook-empty-'));
    const { app, url } = await startServer({ logDir: empty, port: 0, staticDir: dashboardDir, token: 'sekret-token-123' });
    let closed = false;
    const p = await browser.context.newPage();
    try {
      await p.goto(url);
      await p.waitForSelector('#token-input');
      await p.fill('#token-input', 'sekret-token-123');
      await p.click('.token-form button');
      const today = day(Date.now());
      await loaded(p, today, today);
      await p.waitForSelector('#empty-state:not(.hidden)');
      assert.match((await p.textContent('#chart-equity')) ?? '', /No closed trades/);
      await p.reload();
      await loaded(p, today, today); // the token is kept for the tab: no second prompt
      assert.equal(await p.$('#token-input'), null);
      // The server goes away as if it crashed: open connections (the live stream) included.
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
      closed = true;
      await p.click('[data-range="7d"]');
      await p.waitForSelector('#banner.error >> text=unreachable', { timeout: 15_000 });
    } finally {
      await p.close();
      if (!closed) await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
