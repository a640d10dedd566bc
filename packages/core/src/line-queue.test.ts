import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineQueue } from './line-queue.js';

/** Removes `n` lines and returns them as strings. */
function take(q: LineQueue, n: number, gap = 0): string[] {
  const out: string[] = [];
  q.shift(n, (buf, start, end) => {
    assert.ok(start - gap >= 0, 'the gap before a line is inside the buffer');
    // The gap is the chain's to overwrite: doing so must not touch the line.
    buf.fill(0x7e, start - gap, start);
    out.push(buf.toString('utf8', start, end));
  });
  return out;
}

const pieces = ['a', 'é', '€', '😀', '"', '\\n', 'x'.repeat(300)];
function randomLine(rnd: () => number): string {
  let s = '{';
  const n = Math.floor(rnd() * 40);
  for (let i = 0; i < n; i++) s += pieces[Math.floor(rnd() * pieces.length)];
  return s + '}';
}

function lcg(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

test('two queues (audit.log and a category file, one with a gap) give back every line, in order, byte for byte, through growth and compaction', () => {
  const rnd = lcg(7);
  const a = new LineQueue(0, 256);
  const b = new LineQueue(64, 256);
  const wantA: string[] = [];
  const wantB: string[] = [];
  const gotA: string[] = [];
  const gotB: string[] = [];
  for (let round = 0; round < 2000; round++) {
    for (let k = Math.floor(rnd() * 20); k > 0; k--) {
      const line = randomLine(rnd);
      a.push(line);
      wantA.push(line);
      // Most lines go to both files, as a trade does (the second push copies the bytes).
      if (rnd() < 0.7) {
        b.push(line);
        wantB.push(line);
      }
    }
    gotA.push(...take(a, Math.floor(rnd() * (a.length + 1))));
    gotB.push(...take(b, Math.floor(rnd() * (b.length + 1)), 64));
    if (rnd() < 0.05) a.trim(256);
  }
  gotA.push(...take(a, a.length));
  gotB.push(...take(b, b.length, 64));
  assert.deepEqual(gotA, wantA);
  assert.deepEqual(gotB, wantB);
  assert.equal(a.bytes, 0);
  assert.equal(b.bytes, 0);
});

test('lineBytes and bytes count UTF-8 bytes (and the gaps), which is what rotation and the buffer limit compare', () => {
  const q = new LineQueue(64);
  q.push('{"m":"€"}');
  q.push('ab');
  assert.equal(q.length, 2);
  assert.equal(q.lineBytes(1), 2);
  assert.equal(q.lineBytes(0), Buffer.byteLength('{"m":"€"}'));
  assert.equal(q.lineBytes(1), 2);
  assert.equal(q.bytes, 64 + Buffer.byteLength('{"m":"€"}') + 64 + 2);
});

test('lines in another order than the largest queue\'s, or not among them, are encoded from their own strings', () => {
  const a = new LineQueue(0, 64);
  const b = new LineQueue(64, 64);
  const lines = ['{"n":1}', '{"n":2}', '{"n":3}', '{"n":"€4"}'];
  for (const l of lines) a.push(l);
  for (const l of ['{"n":3}', '{"n":1}', '{"only":"b"}', '{"n":"€4"}']) b.push(l);
  assert.deepEqual(take(b, 4, 64), ['{"n":3}', '{"n":1}', '{"only":"b"}', '{"n":"€4"}']);
  assert.deepEqual(take(a, 4), lines);
});

test('a line is encoded once the caller\'s code has returned, not in the call: until then the queue counts its UTF-16 length', async () => {
  const q = new LineQueue(0, 64);
  q.push('{"m":"€"}');
  assert.equal(q.bytes, '{"m":"€"}'.length);
  await Promise.resolve();
  assert.equal(q.bytes, Buffer.byteLength('{"m":"€"}'));
  assert.deepEqual(take(q, 1), ['{"m":"€"}']);
});
