import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseTimestamp, parseTimestampSlow } from './dates.js';

// parseTimestamp reads the time of day of a timestamp whose day the previous one shared
// (daybook's `…:SS.mmmZ`, the Python DayBot's `…:SS.ffffff+00:00`): these compare it with the
// full parse on the text the loggers write and on every near miss of it.

/** `YYYY-MM-DDTHH:MM:SS.mmmZ` (daybook) or `…:SS.ffffff+00:00` (Python's isoformat) of `us`. */
function text(us: number, python: boolean): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString();
  return python ? `${iso.slice(0, 23)}${String(us - ms * 1000).padStart(3, '0')}+00:00` : iso;
}

// 2000-01-01 .. 2100-01-01, in µs
const instant = fc.integer({ min: 946_684_800_000_000, max: 4_102_444_800_000_000 });
/** Runs of instants seconds to hours apart, as consecutive log lines are (most share a day, some a minute). */
const gap = fc.oneof(fc.integer({ min: 0, max: 90_000_000 }), fc.integer({ min: 0, max: 6 * 3_600_000_000 }));
const run = fc.tuple(instant, fc.array(gap, { minLength: 1, maxLength: 40 }), fc.boolean());

describe('parseTimestamp', () => {
  it('reads runs of daybook and Python timestamps exactly as the full parse does', () => {
    fc.assert(
      fc.property(run, fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), ([start, gaps, python], mixed) => {
        let us = start;
        gaps.forEach((gap, i) => {
          us += gap;
          const py = python !== mixed[i]; // mostly one shape, sometimes the other within a day
          const s = text(us, py);
          const exact = py ? us : Math.floor(us / 1000) * 1000; // daybook's text has milliseconds
          assert.equal(parseTimestamp(s), exact, s);
          assert.equal(parseTimestampSlow(s), exact, s);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('rejects or reads a near miss of the cached day as the full parse does', () => {
    // One character of a valid timestamp replaced, or the text cut or extended, right after
    // the same day was read: the fast path must neither accept what the slow one rejects
    // nor read it differently.
    const chars = fc.constantFrom(...'0123456789:.,Zz+- T/\u0660x'.split(''));
    fc.assert(
      fc.property(instant, fc.boolean(), fc.nat(40), chars, fc.integer({ min: -3, max: 3 }), (us, python, at, c, cut) => {
        const good = text(us, python);
        parseTimestamp(good); // caches its day
        const i = at % good.length;
        const edits = [good.slice(0, i) + c + good.slice(i + 1), cut < 0 ? good.slice(0, cut) : good + '0'.repeat(cut), good.slice(0, i) + c + good.slice(i)];
        for (const s of edits) assert.equal(parseTimestamp(s), parseTimestampSlow(s), s);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads the Python shapes: micro-seconds, no fraction at .000000, the offsets', () => {
    const base = Date.UTC(2026, 10, 22, 18, 47) * 1000;
    assert.equal(parseTimestamp('2026-11-22T18:47:00.543641+00:00'), base + 543_641);
    assert.equal(parseTimestamp('2026-11-22T18:47:59.999999+00:00'), base + 59_999_999);
    assert.equal(parseTimestamp('2026-11-22T18:47:01+00:00'), base + 1_000_000);
    assert.equal(parseTimestamp('2026-11-22T18:47:01.000001-00:00'), base + 1_000_001);
    assert.equal(parseTimestamp('2026-11-22T18:47:01.000001+01:00'), base + 1_000_001 - 3_600_000_000);
    // the day cached above is UTC: another offset with the same text before it is not
    assert.equal(parseTimestamp('2026-11-22T18:47:02.000000+01:00'), base + 2_000_000 - 3_600_000_000);
    assert.equal(parseTimestamp('2026-11-22T18:47:60.000000+00:00'), undefined);
    assert.equal(parseTimestamp('2026-11-22T18:47:01.00000a+00:00'), undefined);
    assert.equal(parseTimestamp('2026-11-22T18:47:01.000001+00:0x'), undefined);
  });
});
