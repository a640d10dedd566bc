// Exit behaviour, tested on real child processes (as pino's exit tests do).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir, readLines } from './test/helpers.js';
import { exited, startChild } from './test/storage.js';
import { verify } from './verify.js';
import { join } from 'node:path';

const trades = (dir: string): number => readLines(join(dir, 'audit.log')).filter((e) => e.event_type === 'trade_entry').length;

test('process.exit() right after logging: every buffered line is written, synced and checkpointed', async (t) => {
  const dir = tempDir(t);
  const r = await exited(startChild('exit', dir, 500));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(trades(dir), 500);
  assert.deepEqual((await verify(dir)).problems, []);
});

test('SIGTERM with no handler of the app: lines written, then the process dies of the signal (not swallowed)', async (t) => {
  const dir = tempDir(t);
  const r = await exited(startChild('signal', dir, 500));
  assert.equal(r.signal, 'SIGTERM', `exit code ${r.code} ${r.stderr}`);
  assert.equal(trades(dir), 500);
  assert.deepEqual((await verify(dir)).problems, []);
});

test("SIGINT with the app's own handler: lines written, the app decides, and keeps logging", async (t) => {
  const dir = tempDir(t);
  const r = await exited(startChild('handler', dir, 500));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.signal, null);
  assert.equal(trades(dir), 501);
  assert.deepEqual((await verify(dir)).problems, []);
});

test('an uncaught exception: lines written, and Node still reports it and exits 1', async (t) => {
  const dir = tempDir(t);
  const r = await exited(startChild('uncaught', dir, 500));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bot bug/);
  assert.equal(trades(dir), 500);
  assert.deepEqual((await verify(dir)).problems, []);
});
