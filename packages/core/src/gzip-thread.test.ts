import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { compressorThread, gzipInBackground } from './gzip-thread.js';
import { tempDir } from './test/helpers.js';
import { exited, startChild } from './test/storage.js';
import { verify } from './verify.js';

test('jobs given at once come back whole, each its own (a shared buffer slice is copied, not moved)', async () => {
  const inputs = [Buffer.from('{"a":1}\n'.repeat(50_000)), randomBytes(300_000), Buffer.alloc(0)];
  const pooled = Buffer.from('a small pooled slice\n'); // shares Buffer's pool: must stay usable
  const outs = await Promise.all([...inputs.map((b) => gzipInBackground(Buffer.from(b))), gzipInBackground(pooled)]);
  outs.slice(0, 3).forEach((o, i) => assert.ok(gunzipSync(o).equals(inputs[i]!), `job ${i}`));
  assert.equal(gunzipSync(outs[3]!).toString(), 'a small pooled slice\n');
  assert.equal(pooled.toString(), 'a small pooled slice\n');
});

test('the compressor runs at the lowest CPU priority (Linux: a thread of this process with nice 19)', { skip: process.platform !== 'linux' && 'thread priorities are read from /proc' }, async () => {
  await gzipInBackground(Buffer.from('x'));
  const nices = readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, nice field 19.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
  assert.ok(nices.includes(19), `thread nice values: ${nices.join(',')}`);
});

test('a process whose last act is await close() after rotations waits for the compression, then exits', async (t) => {
  const dir = tempDir(t);
  const r = await exited(startChild('rotate', dir, 3000));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'closed\n');
  const gz = readdirSync(dir).filter((n) => /^audit\.log\.\d+\.gz$/.test(n));
  assert.ok(gz.length >= 2, readdirSync(dir).join(' '));
  for (const n of gz) assert.ok(gunzipSync(readFileSync(join(dir, n))).length > 0, n);
  assert.deepEqual((await verify(dir)).problems, []);
});

// Last in this file: afterwards the process compresses in libuv's pool.
test('a compressor thread that dies fails the job it had (the backup stays plain, compressed at the next start) and later jobs run in the pool', { timeout: 30_000 }, async () => {
  await gzipInBackground(Buffer.from('warm up'));
  const thread = compressorThread();
  assert.ok(thread !== undefined);
  const job = gzipInBackground(randomBytes(64 * 1024 * 1024));
  await thread.terminate();
  await assert.rejects(job, /stopped/);
  assert.equal(compressorThread(), undefined);
  const later = await gzipInBackground(Buffer.from('still compressed\n'));
  assert.equal(gunzipSync(later).toString(), 'still compressed\n');
});
