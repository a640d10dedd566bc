import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { unifiedDiff } from './diff.js';

/** Applies a unified diff as `patch` would, checking every context and removed line. */
function applyDiff(before: string, diff: string): string {
  const src = before.split('\n');
  if (src[src.length - 1] === '') src.pop();
  const out: string[] = [];
  let at = 0;
  const lines = diff.split('\n');
  for (let i = 2; i < lines.length; i++) {
    const h = /^@@ -(\d+),(\d+) \+\d+,\d+ @@$/.exec(lines[i]!);
    if (h === null) continue;
    const start = Number(h[2]) === 0 ? Number(h[1]) : Number(h[1]) - 1;
    while (at < start) out.push(src[at++]!);
    for (i++; i < lines.length && !lines[i]!.startsWith('@@') && lines[i] !== ''; i++) {
      const [kind, text] = [lines[i]![0], lines[i]!.slice(1)];
      if (kind === '+') out.push(text);
      else {
        assert.equal(src[at], text, `line ${at + 1} of the original`);
        if (kind === ' ') out.push(text);
        at++;
      }
    }
    i--;
  }
  while (at < src.length) out.push(src[at++]!);
  return out.map((l) => l + '\n').join('');
}

test('a small change: one hunk with three lines of context', () => {
  const before = 'a\nb\nc\nd\ne\nf\ng\nh\n';
  const after = 'a\nb\nc\nd\nE\nf\ng\nh\n';
  assert.equal(unifiedDiff('x.ts', before, after), '--- a/x.ts\n+++ b/x.ts\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n');
  assert.equal(unifiedDiff('x.ts', before, before), '');
});

test('property: applying the diff to the original gives the new text', () => {
  const text = fc.array(fc.constantFrom('a', 'b', 'c', 'd', ''), { maxLength: 40 }).map((ls) => ls.map((l) => l + '\n').join(''));
  fc.assert(fc.property(text, text, (before, after) => {
    assert.equal(applyDiff(before, unifiedDiff('f', before, after)), after);
  }), { numRuns: 300 });
});
