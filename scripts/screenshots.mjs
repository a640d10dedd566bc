// The README's pictures of the dashboard, taken from what `daybook demo` really produces:
// starts the demo (seeded, into a temporary directory, its own server on a free port), lets
// it trade live for a few seconds, opens the dashboard in headless Chromium at 1440x900 and
// 390x844, writes dashboard-1440.png and dashboard-390.png, then stops the demo (which
// flushes, closes and verifies its logs) and removes the temporary directories.
//
//   npm run screenshots                      # builds, then writes docs/*.png
//   node scripts/screenshots.mjs --out DIR [--seconds N] [--seed N] [--range 7d]
//
// Needs the build (npm run build) and Chromium (/usr/bin/chromium, or DAYBOOK_CHROMIUM).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'packages/cli/dist/bin.js');
const CHROMIUM = process.env.DAYBOOK_CHROMIUM ?? '/usr/bin/chromium';
const SIZES = [[1440, 900], [390, 844]];
/** The longest wait for the demo's first lines (its history is written first: ~5 s here). */
const START_TIMEOUT_MS = 60_000;

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(ROOT, 'docs') },
    seconds: { type: 'string', default: '12' },
    seed: { type: 'string', default: '42' },
    range: { type: 'string', default: '7d' },
  },
});
const seconds = Number(values.seconds);
if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`--seconds ${values.seconds}: a number of seconds`);
for (const [what, path, fix] of [['the CLI', BIN, 'npm run build'], ['Chromium', CHROMIUM, 'apt-get install chromium']]) {
  if (!existsSync(path)) {
    process.stderr.write(`screenshots: ${what} is missing at ${path} (${fix})\n`);
    process.exit(1);
  }
}

const out = resolve(values.out);
mkdirSync(out, { recursive: true });
const logs = mkdtempSync(join(tmpdir(), 'daybook-shots-logs-'));
const profile = mkdtempSync(join(tmpdir(), 'daybook-shots-chromium-'));
const t0 = performance.now();
const say = (line) => process.stdout.write(`screenshots: ${((performance.now() - t0) / 1000).toFixed(1)} s: ${line}\n`);

/** Starts the demo; resolves with its dashboard URL once it printed it (the history is written by then). */
function startDemo() {
  const child = spawn(process.execPath, [BIN, 'demo', '--dir', logs, '--seed', values.seed, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.once('exit', (code, signal) => r(code ?? signal)));
  const url = new Promise((res, rej) => {
    let text = '';
    const timer = setTimeout(() => rej(new Error(`the demo printed no dashboard URL in ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const m = /Dashboard\s+(\S+)(.*)/.exec(text);
      if (m === null) return;
      clearTimeout(timer);
      if (/not built/.test(m[2])) rej(new Error('the demo says the dashboard is not built (npm run build)'));
      else res(m[1]);
    });
    void exited.then((code) => rej(new Error(`the demo exited (${code}) before it served the dashboard`)));
  });
  return { child, exited, url };
}

const demo = startDemo();
let browser;
let failed = false;
try {
  const url = await demo.url;
  say(`demo (seed ${values.seed}) serving ${url}; ${seconds} s of live trading`);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage();
  const target = new URL(url);
  target.hash = values.range;
  for (const [width, height] of SIZES) {
    await page.setViewportSize({ width, height });
    await page.goto(target.href);
    await page.waitForSelector('body[data-loading="false"]', { timeout: 30_000 });
    await page.waitForSelector('#chain.ok, #chain.bad', { timeout: 30_000 });
    // A few live events in the feed (the demo goes on trading), and the charts at this width.
    await page.waitForSelector('#feed li[data-event-id]', { timeout: 15_000 }).catch(() => say('no live event reached the feed'));
    await page.waitForTimeout(1500);
    const file = join(out, `dashboard-${width}.png`);
    await page.screenshot({ path: file });
    say(`wrote ${file}`);
  }
} catch (e) {
  failed = true;
  process.stderr.write(`screenshots: ${e instanceof Error ? e.message : String(e)}\n`);
} finally {
  await browser?.close().catch(() => undefined);
  // SIGINT as Ctrl-C: the demo asks its processes to flush and close, then verifies the chain.
  if (demo.child.exitCode === null) demo.child.kill('SIGINT');
  const code = await demo.exited;
  if (code !== 0) {
    failed = true;
    process.stderr.write(`screenshots: the demo ended with ${code}\n`);
  }
  say(`the demo stopped (${code})`);
  rmSync(logs, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
