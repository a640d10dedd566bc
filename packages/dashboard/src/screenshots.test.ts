// `npm run screenshots` (scripts/screenshots.mjs) end to end, into a temporary directory:
// the demo starts, trades, is photographed at both widths and stops, leaving two PNGs of
// the README's sizes. About 30 s, most of it the demo writing its history and stopping.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isDashboardBuilt } from './index.js';
import { CHROMIUM } from './test/browser.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const SCRIPT = join(ROOT, 'scripts/screenshots.mjs');
const CLI = join(ROOT, 'packages/cli/dist/bin.js');
const skip = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : !isDashboardBuilt() || !existsSync(CLI) ? 'not built (npm run build)' : false;

/** A PNG's width and height, from its IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  assert.equal(b.subarray(1, 4).toString('latin1'), 'PNG', `${file} is a PNG`);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe('npm run screenshots', { skip, timeout: 180_000 }, () => {
  it('photographs a running demo at 1440x900 and 390x844 and stops it', async () => {
    const out = mkdtempSync(join(tmpdir(), 'daybook-shots-test-'));
    try {
      const child = spawn(process.execPath, [SCRIPT, '--out', out, '--seconds', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      assert.equal(code, 0, output);
      assert.deepEqual(readdirSync(out).sort(), ['dashboard-1440.png', 'dashboard-390.png'], output);
      assert.deepEqual(pngSize(join(out, 'dashboard-1440.png')), { width: 1440, height: 900 });
      assert.deepEqual(pngSize(join(out, 'dashboard-390.png')), { width: 390, height: 844 });
      // The demo's own exit: its processes flushed and closed, and its logs verified.
      assert.doesNotMatch(output, /the demo ended with/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
