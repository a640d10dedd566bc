// The alerts panel in a real browser, over the real server evaluating real rules
// (daybook serve --rules wires the same Evaluator into the same option).
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Evaluator, parseRules } from '@daybook/alert';
import { startServer } from '@daybook/server';
import { dashboardDir, isDashboardBuilt } from './index.js';
import { CHROMIUM, launchBrowser } from './test/browser.js';

const skip = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM} (apt-get install chromium)` : !isDashboardBuilt() ? 'the page is not built (npm run build)' : false;

describe('dashboard: alerts panel', { skip, timeout: 120_000 }, () => {
  let dir: string;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  const closers: (() => Promise<void>)[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'daybook-dashboard-alerts-'));
    const now = Date.now();
    let s = '';
    for (let i = 0; i < 3; i++) {
      s += JSON.stringify({ timestamp: new Date(now - 60_000 * (i + 1)).toISOString(), level: 'ERROR', logger: 'daybook_audit', message: 'broker down', event_id: `00000000-0000-4000-8000-00000000000${i}`, event_type: 'system_error', component: 'system', session_id: 's', environment: 'test', metadata: {} }) + '\n';
    }
    appendFileSync(join(dir, 'audit.log'), s);
    browser = await launchBrowser();
  });

  after(async () => {
    for (const c of closers) await c();
    await browser?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the firing and pending alerts with their values, and the latest changes', async () => {
    let server: Awaited<ReturnType<typeof startServer>> | undefined;
    const evaluator = new Evaluator({
      rules: parseRules({ rules: [
        { name: 'HighErrorCount', kind: 'error_count', window: '1h', threshold: 2, annotations: { summary: '{{ $value }} errors in the last hour' } },
        { name: 'BrokerErrors', kind: 'error_count', window: '1h', threshold: 0, for: '1h' },
        { name: 'SlowBroker', kind: 'avg_api_latency_ms', window: '1h', threshold: 1000 },
      ] }),
      targets: () => [{ labels: {}, figures: server!.app.daybook.analyzer }],
    });
    server = await startServer({ logDir: dir, port: 0, staticDir: dashboardDir, alerts: evaluator });
    closers.push(() => server!.app.close());
    await evaluator.evaluate();
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#alerts-panel[data-enabled="true"] li[data-alert]', { timeout: 30_000 });
    const rows = await page.$$eval('#alerts-active li[data-alert]', (els) => els.map((e) => [e.getAttribute('data-alert'), e.getAttribute('data-state'), e.getAttribute('data-value'), e.textContent]));
    assert.deepEqual(rows.map((r) => r.slice(0, 3)), [['HighErrorCount', 'firing', '3'], ['BrokerErrors', 'pending', '3']]);
    assert.match(rows[0]![3]!, /3 errors in the last hour/);
    assert.match(await page.textContent('#alerts-note') ?? '', /1 firing · 1 pending/);
    const changes = await page.$$eval('#alerts-recent li', (els) => els.map((e) => e.getAttribute('data-transition')));
    assert.deepEqual(new Set(changes), new Set(['HighErrorCount:firing', 'BrokerErrors:pending']));
    await page.close();
  });

  it('is hidden when the server runs no rules', async () => {
    const { app, url } = await startServer({ logDir: dir, port: 0, staticDir: dashboardDir });
    closers.push(() => app.close());
    const page = await browser.context.newPage();
    await page.goto(`${url}/`);
    await page.waitForSelector('#alerts-panel[data-enabled="false"]', { state: 'attached', timeout: 30_000 });
    assert.equal(await page.$eval('#alerts-panel', (e) => e.classList.contains('hidden')), true);
    await page.close();
  });
});
