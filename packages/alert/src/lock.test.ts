import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AlertError } from './errors.js';
import { LOCK_FILE, lockStateDir } from './lock.js';
import { tempDir } from './test/helpers.js';

// The lock of a state directory against a second evaluator: real processes, since a lock is
// per process (core's lock takes over a lock its own process holds).

/** A process holding the lock of `dir` until it is killed. */
async function holder(dir: string): Promise<ChildProcess> {
  const lock = new URL('./lock.js', import.meta.url).href;
  const p = spawn(process.execPath, ['--input-type=module', '-e', `import { lockStateDir } from ${JSON.stringify(lock)}; lockStateDir(${JSON.stringify(dir)}); process.stdout.write('locked\\n'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    p.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    p.once('exit', (code) => reject(new Error(`the holder exited (${code})`)));
  });
  return p;
}

const exited = (p: ChildProcess): Promise<void> => new Promise((resolve) => (p.exitCode !== null || p.signalCode !== null ? resolve() : p.once('exit', () => resolve())));

test('a second process is refused with DAYBOOK_E_ALERT_LOCKED naming the holder; the lock of a killed one is taken over', async (t) => {
  const dir = join(tempDir(), 'state');
  const p = await holder(dir);
  t.after(() => p.kill('SIGKILL'));
  assert.throws(() => lockStateDir(dir), (e: unknown) => {
    assert.ok(e instanceof AlertError);
    assert.equal(e.code, 'DAYBOOK_E_ALERT_LOCKED');
    assert.ok(e.message.includes(`process ${p.pid}`), e.message);
    assert.ok(e.message.includes(join(dir, LOCK_FILE)), e.message);
    assert.match(e.hint, /--state DIR/);
    return true;
  });
  // SIGKILL: no release ran, the file stays, naming a process that is gone.
  p.kill('SIGKILL');
  await exited(p);
  assert.ok(existsSync(join(dir, LOCK_FILE)));
  const mine = lockStateDir(dir);
  assert.equal(mine.problem, undefined);
  assert.equal(readFileSync(mine.path, 'utf8').split(' ')[0], String(process.pid));
  mine.release();
  assert.equal(existsSync(mine.path), false, 'released: the next evaluator starts');
});

test('a released lock lets the next process in', async () => {
  const dir = join(tempDir(), 'state');
  const first = lockStateDir(dir);
  first.release();
  const p = await holder(dir);
  p.kill('SIGTERM');
  await exited(p);
  lockStateDir(dir).release();
});

test('a state directory that cannot be made: no lock, a problem to report, evaluation goes on', () => {
  // A file where the directory should be (as a read-only file system, but also as root).
  const file = join(tempDir(), 'not-a-dir');
  writeFileSync(file, '');
  const lock = lockStateDir(join(file, 'state'));
  assert.equal(lock.problem?.code, 'DAYBOOK_E_ALERT_STATE');
  assert.match(lock.problem.message, /evaluating without it/);
  lock.release();
});
