import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ev, lines } from '../../../analytics/dist/test/helpers.js';
import { BIN, run } from '../test/run.js';

// One evaluator per state directory, with real processes: a running `daybook alert` makes a
// second one (--once too) and `serve --rules` over the same directory fail with
// DAYBOOK_E_ALERT_LOCKED naming it; once it is stopped, or killed, the next one starts.

const root = mkdtempSync(join(tmpdir(), 'daybook-cli-alert-lock-'));
after(() => rmSync(root, { recursive: true, force: true }));

function setup(name: string): { dir: string; rules: string } {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'audit.log'), lines([ev({ timestamp: '2026-09-15T11:00:00.000Z' })]));
  const rules = join(root, `${name}.json`);
  writeFileSync(rules, JSON.stringify({ evaluation_interval: '1h', rules: [{ name: 'Errors', kind: 'error_count', window: '1h', threshold: 10 }] }));
  return { dir, rules };
}

/** `daybook alert` in continuous mode, once it has started (its lock taken). */
async function evaluator(args: string[]): Promise<{ child: ChildProcess; exit: Promise<number | null>; stderr: () => string }> {
  const child = spawn(process.execPath, [BIN, 'alert', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exit = new Promise<number | null>((resolve) => child.on('close', (status) => resolve(status)));
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('Ctrl-C stops')) resolve();
    });
    void exit.then((s) => reject(new Error(`daybook alert exited (${s}): ${stderr}`)));
  });
  return { child, exit, stderr: () => stderr };
}

const LOCKED = /DAYBOOK_E_ALERT_LOCKED/;

describe('daybook alert: one evaluator per state directory', { timeout: 120_000 }, () => {
  it('a second alert (--once too) and serve --rules are refused while one runs; after SIGTERM the next starts', async () => {
    const { dir, rules } = setup('term');
    const first = await evaluator(['--dir', dir, '--rules', rules]);
    try {
      const once = await run(['alert', '--dir', dir, '--rules', rules, '--once']);
      assert.equal(once.status, 2, once.stderr);
      assert.match(once.stderr, LOCKED);
      assert.match(once.stderr, new RegExp(`in use by process ${first.child.pid} on `), 'names the holder');
      assert.match(once.stderr, /--state DIR/, 'says what to do');
      const served = await run(['serve', '--dir', dir, '--rules', rules, '--port', '0']);
      assert.equal(served.status, 2, served.stderr);
      assert.match(served.stderr, LOCKED);
      // Another state directory is another evaluator's.
      const elsewhere = await run(['alert', '--dir', dir, '--rules', rules, '--once', '--state', join(root, 'term-other')]);
      assert.equal(elsewhere.status, 0, elsewhere.stderr);
    } finally {
      first.child.kill('SIGTERM');
    }
    assert.equal(await first.exit, 0, first.stderr());
    assert.equal(existsSync(join(dir, '.daybook', 'alerts', 'evaluator.lock')), false, 'released at exit');
    const next = await run(['alert', '--dir', dir, '--rules', rules, '--once']);
    assert.equal(next.status, 0, next.stderr);
  });

  it('the lock of a killed evaluator (SIGKILL) is taken over', async () => {
    const { dir, rules } = setup('kill');
    const state = join(root, 'kill-state');
    const first = await evaluator(['--dir', dir, '--rules', rules, '--state', state]);
    first.child.kill('SIGKILL');
    await first.exit;
    assert.ok(existsSync(join(state, 'evaluator.lock')), 'a killed process leaves its lock');
    const next = await run(['alert', '--dir', dir, '--rules', rules, '--state', state, '--once']);
    assert.equal(next.status, 0, next.stderr);
    assert.doesNotMatch(next.stderr, LOCKED);
  });
});
