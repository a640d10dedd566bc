// Page load time over a real log directory, as the README reports it:
//   node packages/dashboard/dist/measure.js <logDir> [YYYY-MM-DD..YYYY-MM-DD[,...]] [runs]
// Starts @daybook/server with the built page, opens it in Chromium `runs` times (default 3)
// per range (several ranges, comma-separated, are measured one after the other on the same
// server: the first run of a later range is a warm server's first look at it) and prints, per
// run, when the cards were filled and when every chart and table was drawn. The very first
// run also pays for the server's first read of the directory (from its segment index in
// `<logDir>/.daybook/index/` when an earlier reader left one).
import { startServer } from '@daybook/server';
import { dashboardDir, isDashboardBuilt } from './index.js';
import { launchBrowser } from './test/browser.js';

const [logDir, ranges = 'today', runs = '3'] = process.argv.slice(2);
if (logDir === undefined || !isDashboardBuilt()) {
  process.stderr.write('usage: node packages/dashboard/dist/measure.js <logDir> [YYYY-MM-DD..YYYY-MM-DD[,...]] [runs] (after npm run build)\n');
  process.exit(2);
}
// The browser first: its start takes seconds, which the server would otherwise spend reading
// the directory before the first page asks (that page must pay for the first read).
const browser = await launchBrowser();
const { app, url } = await startServer({ logDir, port: 0, staticDir: dashboardDir });
try {
  for (const range of ranges.split(',')) {
    for (let i = 0; i < Number(runs); i++) {
      const page = await browser.context.newPage();
      const t0 = Date.now();
      await page.goto(`${url}/#${range}`);
      await page.waitForSelector('[data-metric="total_pnl"]', { timeout: 600_000 });
      const cards = Date.now() - t0;
      await page.waitForSelector('body[data-loading="false"]', { timeout: 600_000 });
      const all = Date.now() - t0;
      const requests = await page.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.includes('/audit/')).length);
      process.stdout.write(`${range} run ${i + 1}: cards ${cards} ms, everything ${all} ms (${requests} API requests)\n`);
      await page.close();
    }
  }
} finally {
  await browser.close();
  await app.close();
}
