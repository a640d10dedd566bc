import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanLeadingTimes } from './leading-time.js';

const line = (ts: string, pad = 0): string => `{"timestamp":"${ts}","message":"${'x'.repeat(pad)}"}\n`;

test('a line far longer than the carried start, spanning many pieces, still gives its timestamp and the lines after it theirs', () => {
  const text = line('2026-01-01T00:00:01.000Z') + line('2026-01-01T00:00:03.000Z', 100_000) + line('2026-01-01T00:00:02.000Z');
  for (const piece of [7, 1000, 4096, 65_536, text.length]) {
    const s = scanLeadingTimes(Buffer.from(text), undefined, piece);
    assert.equal(s.unknown, false, `piece ${piece}`);
    assert.equal(s.latestCanonical(), '2026-01-01T00:00:03.000Z', `piece ${piece}`);
  }
});

test('a torn last line without a newline is read at finish; a line of another shape makes the file unknown', () => {
  const torn = line('2026-01-01T00:00:01.000Z') + line('2026-01-01T00:00:05.000Z', 10_000).trimEnd();
  assert.equal(scanLeadingTimes(Buffer.from(torn), undefined, 512).latestCanonical(), '2026-01-01T00:00:05.000Z');
  const foreign = line('2026-01-01T00:00:01.000Z') + 'y'.repeat(10_000) + '\n' + line('2026-01-01T00:00:02.000Z');
  assert.equal(scanLeadingTimes(Buffer.from(foreign), undefined, 512).unknown, true);
});

test('the Python DayBot\'s `{"timestamp": "` lines are read by parseOther; without it, or with other spacing, the file is unknown', () => {
  const py = (ts: string): string => `{"timestamp": "${ts}", "level": "INFO"}\n`;
  const text = py('2026-01-01T00:00:05.000001+00:00') + py('2026-01-01T00:00:01+00:00');
  const seen: string[] = [];
  const s = scanLeadingTimes(Buffer.from(text), (t) => (seen.push(t), seen.length), 3);
  assert.equal(s.unknown, false);
  assert.deepEqual(seen, ['2026-01-01T00:00:05.000001+00:00', '2026-01-01T00:00:01+00:00']);
  assert.equal(s.latestOther(), 2);
  assert.equal(scanLeadingTimes(Buffer.from(text)).unknown, true, 'no parseOther');
  for (const odd of ['{"timestamp":  "2026-01-01T00:00:05+00:00"}\n', '{"timestamp": 5}\n', '{"timestamp": \n']) {
    assert.equal(scanLeadingTimes(Buffer.from(odd), () => 1).unknown, true, odd);
  }
});
