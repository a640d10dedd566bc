// The dashboard of a fleet (`daybook serve --clickhouse`) in a real browser (Debian's Chromium)
// against the real server over a real ClickHouse 18.16: two bots' directories written by
// core's logger, shipped by the real Shipper under the names alpha (host h1) and beta (h2).
// The fleet overview shows /audit/fleet's figures; the bot and host filters narrow every
// panel (each /audit request carries them, the cards equal the narrowed API); the live feed
// follows the chosen bot only. A server over a directory shows no fleet at all.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { startServer } from '@daybook/server';
import { analyzerOf, clickhouseTarget, fleetEvents, openClickHouse, Shipper, type OpenedClickHouse } from '@daybook/clickhouse';
import { EventType } from '@daybook/core';
import { clickhouseMissing, startClickHouse, type ClickHouseInstance } from '../../clickhouse/dist/test/server.js';
import { dashboardDir, isDashboardBuilt } from './index.js';
import { CHROMIUM, collectErrors, launchBrowser } from './test/browser.js';
import { createFixture, type Fixture } from './test/fixture.js';

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const skip = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM} (apt-get install chromium)` : !isDashboardBuilt() ? 'the page is not built (npm run build)' : clickhouseMissing() ?? false;
const FIELDS = ['net_pnl', 'total_pnl', 'total_trades', 'open_trades', 'error_count', 'warning_count', 'total_events', 'avg_api_latency', 'p95_api_latency', 'last_event'];

describe('dashboard of a fleet in Chromium', { skip, timeout: 240_000 }, () => {
  let ch: ClickHouseInstance;
  let opened: OpenedClickHouse;
  const bots: Record<string, Fixture> = {};
  let empty: string;
  let base: string;
  let closeServer: () => Promise<void>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  const errors: string[] = [];
  const requests: URL[] = [];
  const ship = () => Promise.all(Object.entries(bots).map(([bot, f]) => new Shipper({ dirs: [f.dir], target: clickhouseTarget(ch.url), bot, host: bot === 'alpha' ? 'h1' : 'h2', log: () => undefined }).once()));

  const api = async (path: string): Promise<Record<string, unknown>> => {
    const res = await fetch(`${base}${path}`);
    assert.equal(res.status, 200, path);
    return (await res.json()) as Record<string, unknown>;
  };
  // Set once the fixtures are written: createFixture waits past midnight when it is near.
  let today = '';
  /** The cards' values (data-value, the API's JSON), by metric. */
  const cardValues = (): Promise<Record<string, string | null>> => page.$$eval('[data-metric]', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-metric'), e.getAttribute('data-value')])));
  /** What the page shows (load state, banner, cards), for a wait's failure to say. */
  const pageState = async (): Promise<string> => JSON.stringify({
    ...(await page.evaluate(() => ({ ...document.body.dataset, banner: document.getElementById('banner')?.textContent }))),
    cards: await cardValues(),
  });
  const waitFor = async (selector: string): Promise<void> => {
    try {
      await page.waitForSelector(selector, { timeout: 60_000 });
    } catch (e) {
      throw new Error(`${(e as Error).message.split('\n')[0]}; the page: ${await pageState()}`);
    }
  };
  const loaded = () => waitFor(`body[data-loading="false"][data-loaded-range="${today}..${today}"]`);
  /** Waits until the page's cards show `total_trades` of the API narrowed by `q` and the load has ended, then checks every card against it. */
  async function cardsEqual(q: string): Promise<void> {
    const [trading, system] = await Promise.all([api(`/audit/trading_metrics?start_date=${today}&end_date=${today}${q}`), api(`/audit/system_metrics?start_date=${today}&end_date=${today}${q}`)]);
    await waitFor(`[data-metric="total_trades"][data-value="${JSON.stringify(trading.total_trades)}"]`);
    await loaded();
    const cards = await cardValues();
    for (const m of ['total_pnl', 'net_pnl', 'total_trades', 'win_rate', 'open_trades', 'max_drawdown']) assert.equal(cards[m], JSON.stringify(trading[m]), `${m}${q}`);
    for (const m of ['error_count', 'avg_api_latency', 'p99_api_latency']) assert.equal(cards[m], JSON.stringify(system[m]), `${m}${q}`);
  }

  before(async () => {
    empty = mkdtempSync(join(tmpdir(), 'daybook-fleet-dash-'));
    const [c, a, b] = await Promise.all([startClickHouse(), createFixture(3), createFixture(3)]);
    ch = c;
    bots.alpha = a;
    bots.beta = b;
    today = day(Date.now());
    await ship();
    opened = await openClickHouse(ch.url);
    const { app, url } = await startServer({ logDir: join(empty, 'logs'), port: 0, staticDir: dashboardDir, pollMs: 0, docs: false,
      fleet: { analyzer: (f) => analyzerOf(opened, f), events: fleetEvents(opened.runner, 'daybook'), pollMs: 200 } });
    base = url;
    closeServer = () => app.close();
    browser = await launchBrowser();
    page = await browser.context.newPage();
    collectErrors(page, errors);
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/audit/')) requests.push(u);
    });
    await page.goto(base);
  });
  after(async () => {
    await browser?.close();
    await closeServer?.();
    await opened?.close();
    await ch?.destroy();
    for (const f of Object.values(bots)) {
      await f.audit.close();
      rmSync(f.dir, { recursive: true, force: true });
    }
    if (empty !== undefined) rmSync(empty, { recursive: true, force: true });
  });

  it('shows the fleet: one row per bot with /audit/fleet\'s figures, and the bot and host filters', async () => {
    await loaded();
    await page.waitForSelector('#fleet-panel:not(.hidden) tr[data-bot="beta"]');
    const fleet = (await api(`/audit/fleet?start_date=${today}&end_date=${today}`)) as { bots: Record<string, unknown>[] };
    assert.deepEqual(fleet.bots.map((b) => b.bot), ['alpha', 'beta']);
    for (const b of fleet.bots) {
      const shown = await page.$$eval(`tr[data-bot="${b.bot as string}"] [data-field]`, (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-field'), e.getAttribute('data-value')])));
      for (const f of FIELDS) assert.equal(shown[f], JSON.stringify(b[f]), `${b.bot as string}.${f}`);
      assert.ok((b.total_events as number) > 0);
    }
    assert.equal(await page.textContent('tr[data-bot="alpha"] td:nth-child(2)'), 'h1');
    assert.deepEqual(await page.$$eval('#fleet-bot option', (o) => o.map((x) => (x as HTMLOptionElement).value)), ['', 'alpha', 'beta']);
    assert.deepEqual(await page.$$eval('#fleet-host option', (o) => o.map((x) => (x as HTMLOptionElement).value)), ['', 'h1', 'h2']);
    await cardsEqual(''); // the whole fleet
    // No log directory of its own (serve --clickhouse without --dir): the chains are proven per host.
    await page.waitForSelector('#chain:text("Chains: verified per host")');
    assert.match(await page.getAttribute('#chain', 'title') ?? '', /daybook verify DIR --clickhouse URL/);
  });

  it('a bot chosen (select or row) narrows every panel: each request carries it, the cards equal that bot\'s API', async () => {
    requests.length = 0;
    await page.selectOption('#fleet-bot', 'alpha');
    await cardsEqual('&bot=alpha');
    await page.waitForSelector('tr[data-bot="alpha"].selected');
    const asked = requests.filter((u) => u.pathname !== '/audit/verify' && u.pathname !== '/audit/fleet');
    assert.ok(asked.length >= 5, asked.map(String).join(' '));
    for (const u of asked) assert.equal(u.searchParams.get('bot'), 'alpha', `${u.pathname}${u.search}`);
    assert.ok(asked.some((u) => u.pathname === '/audit/stream'));
    assert.ok(asked.some((u) => u.pathname === '/audit/trades'));
    // The other bot's row: a click narrows to it; a click on the chosen one shows every bot again.
    await page.click('tr[data-bot="beta"]');
    await cardsEqual('&bot=beta');
    await page.selectOption('#fleet-host', 'h1');
    await cardsEqual('&bot=beta&host=h1'); // beta never ran on h1: nothing
    await page.selectOption('#fleet-host', '');
    await page.click('tr[data-bot="beta"].selected');
    await cardsEqual('');
    assert.equal(await page.$$eval('#fleet-bot', (s) => (s[0] as HTMLSelectElement).value), '');
  });

  it('the live feed follows the chosen bot only', async () => {
    await page.selectOption('#fleet-bot', 'beta');
    await cardsEqual('&bot=beta');
    await new Promise((r) => setTimeout(r, 500)); // the stream has connected
    void bots.alpha!.audit.logSystemEvent(EventType.MARKET_STATUS, 'alpha says hello');
    void bots.beta!.audit.logSystemEvent(EventType.MARKET_STATUS, 'beta says hello');
    await Promise.all([bots.alpha!.audit.flush(), bots.beta!.audit.flush()]);
    await ship();
    await page.waitForSelector('#feed li .msg:text("beta says hello")', { timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 600)); // a few more polls
    assert.equal(await page.$('#feed li .msg:text("alpha says hello")'), null);
    assert.deepEqual(errors, []);
  });

  it('a server over a log directory shows no fleet panel and no filters', async () => {
    const { app, url } = await startServer({ logDir: bots.alpha!.dir, port: 0, staticDir: dashboardDir, pollMs: 0, docs: false });
    try {
      const p = await browser.context.newPage();
      const bad: string[] = [];
      p.on('response', (r) => {
        if (r.status() >= 400 && r.url().includes('/audit/') && !r.url().includes('/audit/fleet')) bad.push(`${r.status()} ${r.url()}`);
      });
      await p.goto(url);
      await p.waitForSelector(`body[data-loading="false"][data-loaded-range="${today}..${today}"]`, { timeout: 60_000 });
      assert.equal(await p.$eval('#fleet-panel', (e) => e.classList.contains('hidden')), true);
      assert.equal(await p.$eval('#fleet-scope', (e) => e.classList.contains('hidden')), true);
      assert.equal(await p.$('body[data-fleet]'), null);
      assert.deepEqual(bad, []);
      await p.close();
    } finally {
      await app.close();
    }
  });
});
