import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progressLine, startProgress, type ProgressStream } from './progress.js';

/** A stream that says it is a terminal and keeps what is written (the real module draws into it). */
const terminal = (isTTY: boolean): ProgressStream & { text: string } => {
  const s = { text: '', isTTY, columns: 100, write: (t: string) => void (s.text += t) };
  return s;
};

test('a TTY: nothing in the first second, then a bar redrawn in place, erased when done', () => {
  let now = 0;
  const tty = terminal(true);
  const p = startProgress(tty, { label: 'exporting', now: () => now, ticker: false });
  now = 500;
  p.update(10, 100);
  assert.equal(tty.text, '', 'work that ends within a second leaves no trace');
  now = 1200;
  p.update(50, 100);
  assert.match(tty.text, /^\r\x1b\[2Kexporting \[#{12}\.{12}\]  50%/);
  now = 1250;
  p.update(60, 100);
  assert.doesNotMatch(tty.text, /60%/, 'redrawn at most every 100 ms');
  now = 1300;
  p.update(100, 100);
  assert.match(tty.text, /100%/, 'the last frame is always drawn');
  p.stop();
  assert.ok(tty.text.endsWith('\r\x1b[2K'), 'the line is erased');
  const before = tty.text;
  now = 5000;
  p.update(100, 100);
  assert.equal(tty.text, before, 'nothing after stop');
});

test('not a TTY (a pipe, a file, --json consumers): nothing at all, ever', () => {
  let now = 0;
  const pipe = terminal(false);
  const p = startProgress(pipe, { label: 'verifying', now: () => now, ticker: false });
  for (now = 0; now < 10_000; now += 500) p.update(now, 10_000);
  p.stop();
  assert.equal(pipe.text, '');
});

test('work without a total shows the elapsed time; a frame never passes the terminal width', () => {
  assert.equal(progressLine('reading logs', 3456, undefined, undefined, 80), 'reading logs... 3.5 s');
  assert.equal(progressLine('x'.repeat(200), 1000, 1, 2, 40).length, 39);
  const noSize = terminal(true);
  noSize.columns = 0;
  startProgress(noSize, { label: 'verifying', delayMs: 0, ticker: false }).stop();
  assert.match(noSize.text, /verifying\.\.\./, 'a terminal that reports no width (script, some CI) still gets the text');
});
