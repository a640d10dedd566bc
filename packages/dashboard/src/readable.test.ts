// What a trader reads in the first minutes, in a real browser over known events on three
// fixed past days (test/fixed-days.ts): the equity curve holds its value between trades,
// charts over several days name the days, a lone bucket is drawn, big figures fit their
// cards at desktop and phone widths, bar labels are whole, a symbol that never lost shows
// no "largest loss", and the feed's filters list the range's events, not only those
// received since the page opened.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { startServer } from '@daybook/server';
import { dashboardDir, isDashboardBuilt } from './index.js';
import { CHROMIUM, launchBrowser } from './test/browser.js';
import { createFixedDays, DAYS, ERRORS, LONG_REASON, TRADES } from './test/fixed-days.js';

const skip = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM} (apt-get install chromium)` : !isDashboardBuilt() ? 'the page is not built (npm run build)' : false;
const [D1, , D3] = DAYS;
const WIDTHS = [[1440, 900], [390, 844]] as const;

/**
 * Per canvas column, where the pixels of one colour are: the distinct heights of a line
 * (rounded to 3 px) over the columns where it runs level or nearly so, and the count of
 * such columns. A vertical jump (a tall run in one column) is left out.
 */
function lineLevels(el: Element, rgb: [number, number, number]): { columns: number; levels: number; pixels: number } {
  const canvas = el.querySelector('canvas');
  if (canvas === null) return { columns: 0, levels: 0, pixels: 0 };
  const { width, height } = canvas;
  const data = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
  const levels = new Set<number>();
  let columns = 0;
  let pixels = 0;
  for (let x = 0; x < width; x++) {
    const ys: number[] = [];
    for (let y = 0; y < height; y++) {
      const i = (y * width + x) * 4;
      if (data[i + 3]! > 200 && Math.abs(data[i]! - rgb[0]) < 30 && Math.abs(data[i + 1]! - rgb[1]) < 30 && Math.abs(data[i + 2]! - rgb[2]) < 30) ys.push(y);
    }
    pixels += ys.length;
    if (ys.length === 0 || ys.length > 4) continue;
    columns++;
    levels.add(Math.round(ys[Math.floor(ys.length / 2)]! / 3));
  }
  return { columns, levels: levels.size, pixels };
}

describe('dashboard: what a trader reads first', { skip, timeout: 120_000 }, () => {
  let dir: string;
  let base: string;
  let closeServer: () => Promise<void>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;

  const open = async (start: string, end: string): Promise<void> => {
    await page.evaluate((h) => (location.hash = h), `#${start}..${end}`);
    await page.waitForSelector(`body[data-loading="false"][data-loaded-range="${start}..${end}"]`, { timeout: 30_000 });
  };

  before(async () => {
    dir = await createFixedDays();
    const { app, url } = await startServer({ logDir: dir, port: 0, staticDir: dashboardDir, verifyEveryMs: 100 });
    base = url;
    closeServer = () => app.close();
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.goto(`${base}/#${D1}..${D3}`);
  });

  after(async () => {
    await browser?.close();
    await closeServer?.();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('the equity curve holds its value between two trades (steps, not a diagonal across the night)', async () => {
    await open(D1, D1);
    // 00:00 at 0, a gain at 10:00, a loss at 20:00: three levels, each flat, whatever the width.
    const blue = await page.$eval('#chart-equity', lineLevels, [78, 161, 255] as [number, number, number]);
    assert.ok(blue.columns > 200, `the curve is drawn: ${JSON.stringify(blue)}`);
    assert.ok(blue.levels <= 6, `a curve of three flat levels, not a slope: ${JSON.stringify(blue)}`);
  });

  it('a chart over several days names the days on its time axis', async () => {
    await open(D1, D3);
    const ticks = (await page.getAttribute('#chart-equity', 'data-x-ticks')) ?? '';
    assert.match(ticks, /01-07/, `equity axis: ${ticks}`);
    assert.match(ticks, /\d\d:\d\d/, `hours as well: ${ticks}`);
    await open(D1, D1);
    assert.doesNotMatch((await page.getAttribute('#chart-equity', 'data-x-ticks')) ?? '', /01-0/, 'one day: times only');
  });

  it('a day with one latency bucket still draws it', async () => {
    await open(D3, D3);
    const p99 = await page.$eval('#chart-latency', lineLevels, [255, 93, 108] as [number, number, number]);
    assert.ok(p99.pixels >= 9, `the lone p99 value is visible: ${JSON.stringify(p99)}`);
  });

  it('cards fit five-digit P&L and latencies over a second, at 1440 and 390 px', async () => {
    await open(D1, D3);
    assert.equal(await page.getAttribute('[data-metric="p99_api_latency"]', 'data-value'), '1046.9');
    assert.equal(await page.textContent('[data-metric="total_pnl"] .value'), '$42,063.79');
    for (const [width, height] of WIDTHS) {
      await page.setViewportSize({ width, height });
      const overflowing = (): Promise<string[]> =>
        page.$$eval('.card, .card *', (els) => els.filter((e) => e.scrollWidth > e.clientWidth).map((e) => `${e.closest('.card')?.getAttribute('data-metric')} ${e.tagName}.${e.className}: ${e.scrollWidth} > ${e.clientWidth}`));
      // Resizing refits the cards (a ResizeObserver): wait for it, then measure.
      await page.waitForFunction(() => Array.from(document.querySelectorAll('.card, .card *')).every((e) => e.scrollWidth <= e.clientWidth), undefined, { timeout: 5000 }).catch(() => undefined);
      assert.deepEqual(await overflowing(), [], `at ${width} px`);
      const values = await page.$$eval('.card .value', (els) => els.map((e) => e.textContent ?? ''));
      assert.ok(values.includes('1,046.9 ms') && values.includes('$42,063.79'), values.join(' | '));
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('bar labels are whole and inside their chart, at 1440 and 390 px', async () => {
    await open(D1, D3);
    for (const [width, height] of WIDTHS) {
      await page.setViewportSize({ width, height });
      await page.waitForFunction((w) => document.querySelector<SVGSVGElement>('#chart-exit svg')?.width.baseVal.value === document.getElementById('chart-exit')!.clientWidth && innerWidth === w, width, { timeout: 5000 });
      const problems = await page.$$eval('.bars-chart svg', (svgs) => (svgs as SVGSVGElement[]).flatMap((svg) => {
        const w = svg.width.baseVal.value;
        return Array.from(svg.querySelectorAll('g')).flatMap((g) => {
          const out: string[] = [];
          const full = (g.querySelector('title')?.textContent ?? '').replace(/: .*$/, '');
          for (const t of Array.from(g.querySelectorAll('text'))) {
            const b = t.getBBox();
            if (b.x < -0.5 || b.x + b.width > w + 0.5) out.push(`${svg.parentElement?.id} "${t.textContent}" spans ${b.x.toFixed(1)}..${(b.x + b.width).toFixed(1)} of ${w}`);
          }
          const label = g.querySelector('.bar-label')?.textContent;
          if (label !== full) out.push(`${svg.parentElement?.id} label "${label}" for "${full}"`);
          return out;
        });
      }));
      assert.deepEqual(problems, [], `at ${width} px`);
      assert.ok(((await page.textContent('#chart-exit')) ?? '').includes(LONG_REASON));
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('a symbol that never lost shows no largest loss; a real loss is red', async () => {
    await open(D1, D3);
    const cell = (symbol: string) => page.$eval(`#symbol-table`, (table, s) => {
      const col = Array.from(table.querySelectorAll('th button')).findIndex((b) => b.getAttribute('data-sort') === 'largest_loss');
      const row = Array.from(table.querySelectorAll('tbody tr')).find((tr) => tr.querySelector('td')?.textContent === s);
      const td = row?.querySelectorAll('td')[col];
      return { text: td?.textContent, cls: td?.className ?? '', title: td?.getAttribute('title') ?? '' };
    }, symbol);
    const won = await cell('WINONLY'); // largest_loss is 83.37 by definition (the smallest P&L)
    assert.equal(won.text, '—');
    assert.doesNotMatch(won.cls, /\b(pos|neg)\b/);
    assert.match(won.title, /no losing trade/);
    const lost = await cell('LOSER');
    assert.equal(lost.text, '−$12,345.67');
    assert.match(lost.cls, /\bneg\b/);
  });

  it('feed filters list the range\'s matching events from the log, not only those received live', async () => {
    await open(D3, D3);
    const rows = () => page.$$eval('#feed li[data-event-id]', (lis) => lis.map((li) => ({ type: li.getAttribute('data-type'), text: li.textContent ?? '' })));
    await page.selectOption('#feed-level', 'ERROR');
    await page.waitForFunction((n) => document.querySelectorAll('#feed li[data-event-id]').length === n, ERRORS, { timeout: 10_000 });
    assert.equal(await page.getAttribute('[data-metric="error_count"]', 'data-value'), String(ERRORS));
    assert.ok((await rows()).every((r) => r.text.includes('ERROR')));
    await page.selectOption('#feed-level', '');
    await open(D1, D3);
    await page.selectOption('#feed-type', 'trade_exit');
    await page.waitForFunction((n) => document.querySelectorAll('#feed li[data-event-id]').length === n, TRADES.length, { timeout: 10_000 });
    assert.ok((await rows()).every((r) => r.type === 'trade_exit'));
    await page.selectOption('#feed-symbol', 'WINONLY');
    const wins = TRADES.filter((t) => t[2] === 'WINONLY').length;
    await page.waitForFunction((n) => document.querySelectorAll('#feed li[data-event-id]').length === n, wins, { timeout: 10_000 });
    assert.ok((await rows()).every((r) => r.text.includes('WINONLY') && r.type === 'trade_exit'));
    await page.selectOption('#feed-type', '');
    await page.selectOption('#feed-symbol', '');
  });
});
