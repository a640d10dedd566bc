import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { crc32, GZIP_HEADER_LATEST, gzipTrailer, tableCrc32 } from './gzip-pieces.js';
import { compressorThread, deflateInBackground, finishJob, hurry, newJob } from './gzip-thread.js';
import { tempDir } from './test/helpers.js';
import { exited, startChild } from './test/storage.js';
import { verify } from './verify.js';

/**
 * A gzip file made the way compress.ts makes one: header, pieces deflated in the background,
 * trailer. One buffer is refilled for every piece: a shared one (as compress.ts) once the
 * piece is done, any other at once (the call must have copied it).
 */
async function gzipInPieces(data: Buffer, pieceBytes: number, shared = false, job = -1): Promise<Buffer> {
  const out = [GZIP_HEADER_LATEST];
  let crc = 0;
  const piece = shared ? Buffer.from(new SharedArrayBuffer(pieceBytes)) : Buffer.alloc(pieceBytes);
  for (let at = 0; at < data.length; at += pieceBytes) {
    const n = data.copy(piece, 0, at, at + pieceBytes);
    const pending = deflateInBackground(piece.subarray(0, n), crc, job);
    if (!shared) piece.fill(0);
    const r = await pending;
    crc = r.crc;
    out.push(r.data);
  }
  out.push(gzipTrailer(crc, data.length));
  return Buffer.concat(out);
}

test('files deflated in pieces, several at once, are each one gzip member of exactly their bytes', async () => {
  const inputs = [Buffer.from('{"a":1}\n'.repeat(50_000)), randomBytes(300_000), Buffer.alloc(0), Buffer.from('one line\n')];
  const outs = await Promise.all(inputs.map((b, i) => gzipInPieces(b, [65_536, 100_000, 1, 3][i]!, i % 2 === 0)));
  outs.forEach((o, i) => {
    assert.ok(gunzipSync(o).equals(inputs[i]!), `file ${i}`);
    // One member: the trailer is the last 8 bytes, and nothing follows it.
    assert.equal(o.readUInt32LE(o.length - 4), inputs[i]!.length, `file ${i}: ISIZE`);
    assert.equal(o.readUInt32LE(o.length - 8), crc32(inputs[i]!, 0), `file ${i}: CRC-32`);
  });
  // Pieces of 1 MB, as compress.ts reads them, cost little: within 1% of one gzip at the same level.
  const lines = Buffer.from(Array.from({ length: 40_000 }, (_, i) => `{"timestamp":"2026-11-22T10:${String(i % 60).padStart(2, '0')}:00.${i % 1000}Z","event_type":"trade_entry","order_id":"order_${i}","price":${150 + (i % 97) / 100}}\n`).join(''));
  const pieces = await gzipInPieces(lines, 1 << 20, true);
  const whole = gzipSync(lines, { level: 1 });
  assert.ok(pieces.length < whole.length * 1.01, `${pieces.length} bytes in pieces against ${whole.length} in one go`);
});

/** Lines as daybook writes them, with these timestamps. */
const stamped = (times: readonly string[]): Buffer => Buffer.from(times.map((t, i) => `{"timestamp":"${t}","event_id":"e${i}","message":"${'x'.repeat(i % 50)}"}\n`).join(''));

test('the thread reads each job\'s leading timestamps as it deflates (pieces of several files interleaved)', async () => {
  const a = stamped(Array.from({ length: 3000 }, (_, i) => `2024-01-0${1 + (i % 5)}T00:00:00.000Z`));
  const b = stamped(Array.from({ length: 2000 }, (_, i) => `2024-02-${String(10 + (i % 7)).padStart(2, '0')}T12:00:00.000Z`));
  const text = Buffer.concat([stamped(['2024-03-01T00:00:00.000Z']), Buffer.from('2024-03-02 00:00:00,000 | app | INFO | a text line\n')]);
  const jobs = [newJob(), newJob(), newJob(), newJob()];
  const outs = await Promise.all([gzipInPieces(a, 4096, true, jobs[0]), gzipInPieces(b, 777, false, jobs[1]), gzipInPieces(text, 10, true, jobs[2])]);
  assert.ok(gunzipSync(outs[0]!).equals(a));
  assert.deepEqual(await Promise.all(jobs.map((j) => finishJob(j))), ['2024-01-05T00:00:00.000Z', '2024-02-16T12:00:00.000Z', undefined, undefined], 'a text line: no time; no piece: none');
  assert.equal(await finishJob(jobs[0]!), undefined, 'a finished job is forgotten');
});

test('the CRC-32 is zlib\'s, carried from piece to piece', () => {
  const data = randomBytes(10_000);
  assert.equal(crc32(data.subarray(5000), crc32(data.subarray(0, 5000), 0)), crc32(data, 0));
  assert.equal(crc32(Buffer.from('123456789'), 0), 0xcbf43926); // the check value of CRC-32/ISO-HDLC
  // The fallback for a Node without zlib.crc32 gives the same values.
  assert.equal(tableCrc32(data.subarray(5000), tableCrc32(data.subarray(0, 5000), 0)), crc32(data, 0));
  assert.equal(tableCrc32(Buffer.alloc(0), 0), 0);
});

test('the compressor runs at the lowest CPU priority (Linux: a thread of this process with nice 19)', { skip: process.platform !== 'linux' && 'thread priorities are read from /proc' }, async () => {
  await deflateInBackground(Buffer.from('x'), 0);
  const nices = threadNices();
  assert.ok(nices.includes(19), `thread nice values: ${nices.join(',')}`);
});

test('a writer waiting for the compressor raises it to normal priority until every writer that asked is done', { skip: process.platform !== 'linux' && 'thread priorities are read from /proc' }, async () => {
  await deflateInBackground(Buffer.from('x'), 0);
  const calmA = hurry();
  const calmB = hurry();
  // Pieces one after another, as compress.ts sends them: the priority holds between them.
  for (let k = 0; k < 3; k++) await deflateInBackground(Buffer.from(`piece ${k}`), 0);
  const during = threadNices();
  calmA();
  calmA(); // a second call changes nothing
  await deflateInBackground(Buffer.from('y'), 0);
  const oneLeft = threadNices();
  calmB();
  await deflateInBackground(Buffer.from('z'), 0);
  const after = threadNices();
  assert.ok(!during.includes(19), `while hurried: ${during.join(',')}`);
  assert.ok(!oneLeft.includes(19), `while one writer still waits: ${oneLeft.join(',')}`);
  assert.ok(after.includes(19), `once no writer waits: ${after.join(',')}`);
});

/** The nice value of every thread of this process. */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, nice field 19.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

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
  const straddling = newJob();
  await deflateInBackground(stamped(['2024-04-01T00:00:00.000Z']), 0, straddling);
  const thread = compressorThread();
  assert.ok(thread !== undefined);
  const job = deflateInBackground(randomBytes(64 * 1024 * 1024), 0);
  await thread.terminate();
  await assert.rejects(job, /stopped/);
  await deflateInBackground(stamped(['2024-04-02T00:00:00.000Z']), 0, straddling);
  assert.equal(await finishJob(straddling), undefined, 'half its pieces were read by the dead thread');
  assert.equal(compressorThread(), undefined);
  const later = await gzipInPieces(Buffer.from('still compressed\n'), 8);
  assert.equal(gunzipSync(later).toString(), 'still compressed\n');
  // Timestamps are read on this thread then; a job that had pieces in the dead thread lost its scan.
  const here = newJob();
  await gzipInPieces(stamped(['2024-05-01T00:00:00.000Z', '2024-05-03T00:00:00.000Z', '2024-05-02T00:00:00.000Z']), 50, true, here);
  assert.equal(await finishJob(here), '2024-05-03T00:00:00.000Z');
});
