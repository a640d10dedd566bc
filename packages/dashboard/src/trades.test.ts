// The trades panel in a real browser over known trades (test/trade-days.ts): the table lists
// what GET /audit/trades lists, a page at a time; a row opens its events in order with the
// pnl linking derives; open positions show their age; the filters narrow the list; the cards
// show fees, net P&L and open trades; it fits a phone.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { startServer } from '@daybook/server';
import { dashboardDir, isDashboardBuilt } from './index.js';
import { CHROMIUM, collectErrors, launchBrowser } from './test/browser.js';
import { createTradeDays, GRID, TRADE_DAYS } from './test/trade-days.js';

const skip = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM} (apt-get install chromium)` : !isDashboardBuilt() ? 'the page is not built (npm run build)' : false;
const [START, END] = TRADE_DAYS;
const RANGE = `start_date=${START}&end_date=${END}`;

interface ApiTrade { trade_id: string; symbol: string; status: string; pnl: number | null; fees: number; net_pnl: number | null; age_minutes: number | null; events: { event_type: string; pnl: number | null; fee: number | null }[] }

describe('dashboard: trades, their events and open positions', { skip, timeout: 120_000 }, () => {
  let dirs: string[];
  let base: string;
  let closeServer: () => Promise<void>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  const consoleErrors: string[] = [];

  const api = async (path: string): Promise<any> => {
    const res = await fetch(`${base}${path}`);
    assert.equal(res.status, 200, path);
    return res.json();
  };
  const rowIds = (): Promise<string[]> => page.$$eval('#trade-list tr.trade', (trs) => trs.map((tr) => tr.getAttribute('data-trade-id')!));
  const row = (symbol: string) => `#trade-list tr.trade:has(td:first-child:text-is("${symbol}"))`;
  /** Waits until the table lists `n` trades. */
  const listed = (n: number) => page.waitForFunction((k) => document.querySelectorAll('#trade-list tr.trade').length === k, n, { timeout: 15_000 });

  before(async () => {
    dirs = await createTradeDays();
    const { app, url } = await startServer({ logDir: dirs, port: 0, staticDir: dashboardDir, verifyEveryMs: 100 });
    base = url;
    closeServer = () => app.close();
    browser = await launchBrowser();
    page = await browser.context.newPage();
    collectErrors(page, consoleErrors);
    await page.goto(`${base}/#${START}..${END}`);
    await page.waitForSelector(`body[data-loading="false"][data-loaded-range="${START}..${END}"]`, { timeout: 30_000 });
  });

  after(async () => {
    await browser?.close();
    await closeServer?.();
    for (const d of dirs ?? []) rmSync(d, { recursive: true, force: true });
  });

  it('lists the API\'s trades newest first, a page at a time, and "Load more" brings the rest', async () => {
    const all: ApiTrade[] = (await api(`/audit/trades?${RANGE}&limit=1000`)).trades;
    assert.equal(all.length, GRID + 5);
    assert.deepEqual(await rowIds(), all.slice(0, 50).map((t) => t.trade_id));
    await page.click('#trades-more');
    await listed(all.length);
    assert.deepEqual(await rowIds(), all.map((t) => t.trade_id));
    assert.ok(await page.$eval('#trades-more', (b) => b.classList.contains('hidden')), 'nothing more to load');
    // Each row's figures are the API's.
    const shown = await page.$$eval('#trade-list tr.trade', (trs) => trs.map((tr) => [tr.getAttribute('data-status'), tr.getAttribute('data-pnl'), tr.getAttribute('data-fees'), tr.getAttribute('data-net-pnl')]));
    assert.deepEqual(shown, all.map((t) => [t.status, JSON.stringify(t.pnl), JSON.stringify(t.fees), JSON.stringify(t.net_pnl)]));
  });

  it('a row opens its events in order, with the derived pnl, hold time and P&L', async () => {
    await page.click(row('AAPL'));
    const steps = await page.waitForSelector('tr.steps');
    const events = await steps.$$eval('tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-type'), tr.getAttribute('data-pnl')]));
    assert.deepEqual(events, [['trade_entry', 'null'], ['position_adjusted', 'null'], ['trade_partial_exit', '50'], ['stop_loss_hit', 'null'], ['trade_exit', '75']]);
    const text = (await steps.textContent()) ?? '';
    assert.match(text, /held 2h 00m/);
    assert.match(text, /P&L \$125\.00/);
    assert.match(text, /scale_out/);
    assert.match(text, /\$50\.00.*\$75\.00/s);
    // The fee trade: its fees and net P&L, in the row and in its events.
    await page.click(row('ETH'));
    const eth = await page.waitForSelector('tr.steps[data-steps-of="fee-1"]');
    assert.deepEqual(await eth.$$eval('tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-fee'))), ['1.5', '0.5', '1']);
    assert.match((await eth.textContent()) ?? '', /fees \$3\.00 · net \$147\.00/);
    // A second click closes it; the other stays open.
    await page.click(row('ETH'));
    await page.waitForSelector('tr.steps[data-steps-of="fee-1"]', { state: 'detached' });
    assert.equal((await page.$$('tr.steps')).length, 1);
    await page.click(row('AAPL'));
    assert.equal((await page.$$('tr.steps')).length, 0);
  });

  it('lists open positions with their age at the range\'s end', async () => {
    const open: ApiTrade[] = (await api(`/audit/trades?${RANGE}&open=true`)).trades;
    assert.equal(open.length, 1);
    const li = await page.$$eval('#open-positions li', (lis) => lis.map((l) => [l.getAttribute('data-trade-id'), l.getAttribute('data-age-minutes'), l.textContent]));
    assert.equal(li.length, 1);
    assert.equal(li[0]![0], open[0]!.trade_id);
    assert.equal(li[0]![1], '960'); // from 08:00 to the end of the day
    assert.match(li[0]![2]!, /NVDA.*sell 3 @ 500.*16h 00m/);
    assert.match((await page.textContent('#open-note')) ?? '', /^1 /);
  });

  it('the cards show fees, net P&L and open trades as the trading metrics give them', async () => {
    const m = await api(`/audit/trading_metrics?${RANGE}`);
    for (const metric of ['total_fees', 'net_pnl', 'open_trades', 'total_pnl']) {
      assert.equal(await page.getAttribute(`[data-metric="${metric}"]`, 'data-value'), JSON.stringify(m[metric]), metric);
    }
    assert.deepEqual([m.total_fees, m.open_trades], [3, 1]);
    assert.equal(await page.textContent('[data-metric="total_fees"] .value'), '$3.00');
  });

  it('filters by symbol, strategy and open status', async () => {
    await page.selectOption('#trades-symbol', 'TSLA');
    await listed(2);
    assert.deepEqual(await page.$$eval('#trade-list tr.trade td:first-child', (tds) => tds.map((td) => td.textContent)), ['TSLA', 'TSLA']);
    await page.selectOption('#trades-symbol', '');
    await page.selectOption('#trades-status', 'open');
    await listed(1);
    assert.deepEqual(await page.$$eval('#trade-list tr.trade', (trs) => trs.map((tr) => tr.getAttribute('data-status'))), ['open']);
    await page.selectOption('#trades-status', '');
    await page.selectOption('#trades-strategy', 'grid');
    await listed(50);
    assert.ok(await page.$eval('#trades-more', (b) => !b.classList.contains('hidden')), `${GRID} grid trades: more than a page`);
    await page.selectOption('#trades-strategy', '');
    // Every strategy again, from the first page: the newest trade (ETH) heads it.
    await page.waitForFunction(() => document.querySelector('#trade-list tr.trade td')?.textContent === 'ETH', undefined, { timeout: 15_000 });
    await listed(50);
  });

  it('fits a phone: the table and an opened trade stay inside the panel', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.click(row('ETH'));
      await page.waitForSelector('tr.steps');
      const over = await page.$eval('#trades-panel', (p) => p.scrollWidth - p.clientWidth);
      assert.ok(over <= 0, `the panel overflows by ${over} px`);
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390, 'the page does not scroll sideways');
      // The row's P&L and net are in view without scrolling the table.
      const right = await page.$eval(`${row('ETH')} td:last-child`, (td) => td.getBoundingClientRect().right);
      assert.ok(right <= 390, `the net P&L ends at ${right} px`);
      assert.ok(await page.$eval('#trade-list th.opt', (th) => getComputedStyle(th).display === 'none'), 'the secondary columns are left to the drill-down');
      await page.click(row('ETH'));
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });

  it('the footer links to docs/metrics.md, served with the page', async () => {
    const href = await page.getAttribute('footer a', 'href');
    const res = await fetch(new URL(href!, `${base}/`));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(await res.text(), /^# Metrics/);
  });

  it('logged no console errors', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
