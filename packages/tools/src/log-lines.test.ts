import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineScanner, MAX_DAMAGED_LISTED, scanLines } from './log-lines.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const HOUR = 3_600_000;
const ERROR_LINE = '2026-11-22 11:59:00,000 | bot | ERROR | order rejected';

test('a line longer than maxLineBytes is damage, and the lines after it are read', () => {
  const scanner = new LineScanner(NOW, HOUR, { maxLineBytes: 64 });
  // The long line arrives in two chunks: the second finds it already over the limit.
  scanner.push(Buffer.from(`{"a":"${'x'.repeat(70)}`));
  scanner.push(Buffer.from(`${'y'.repeat(20)}"}\n${ERROR_LINE.slice(0, 10)}`));
  scanner.push(Buffer.from(`${ERROR_LINE.slice(10)}\n`));
  const scan = scanner.end();
  assert.equal(scan.lines, 2);
  assert.equal(scan.damagedLines, 1);
  assert.deepEqual(scan.damaged, [1]);
  assert.equal(scan.recognized, 1);
  assert.equal(scan.errorsLastHour, 1);
  assert.equal(scan.tornTail, false);
});

test('a read that starts mid-file drops the partial first line', () => {
  const scanner = new LineScanner(NOW, HOUR, { startOffset: 100, skipFirstLine: true });
  scanner.push(Buffer.from(`not json{\n${ERROR_LINE}\n`));
  const scan = scanner.end();
  assert.equal(scan.lines, 1);
  assert.equal(scan.damagedLines, 0);
  assert.equal(scan.errorsLastHour, 1);
});

test('every damaged line is counted, the first MAX_DAMAGED_LISTED are listed', () => {
  const scan = scanLines('{broken\n'.repeat(MAX_DAMAGED_LISTED + 5), NOW, HOUR);
  assert.equal(scan.lines, MAX_DAMAGED_LISTED + 5);
  assert.equal(scan.damagedLines, MAX_DAMAGED_LISTED + 5);
  assert.deepEqual(scan.damaged, Array.from({ length: MAX_DAMAGED_LISTED }, (_, i) => i + 1));
});
