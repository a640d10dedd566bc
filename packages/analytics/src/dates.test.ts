import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseTimestamp, parseTimestampAt, parseTimestampSlow } from './dates.js';

// parseTimestamp reads the time of day of a timestamp whose day the previous one shared
// (daybook's `…:SS.mmmZ`, the Python DayBot's `…:SS.ffffff+00:00`): these compare it with the
// full parse on the text the loggers write and on every near miss of it, and parseTimestampAt
// (the same from bytes, for plain lines) with both.

/** parseTimestampAt of `s` as bytes inside a line (other bytes before and after it). */
function atBytes(s: string, pad: number): number | undefined {
  const b = Buffer.from(`${'{'.repeat(pad)}${s}"}`, 'latin1');
  return parseTimestampAt(b, pad, pad + s.length);
}

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
          assert.equal(i % 2 === 0 ? parseTimestamp(s) : atBytes(s, i), exact, s);
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
        const i = at % good.length;
        const edits = [good.slice(0, i) + c + good.slice(i + 1), cut < 0 ? good.slice(0, cut) : good + '0'.repeat(cut), good.slice(0, i) + c + good.slice(i)];
        for (const s of edits) {
          parseTimestamp(good); // caches its day
          assert.equal(parseTimestamp(s), parseTimestampSlow(s), s);
          parseTimestamp(good);
          if (!/[^\x00-\x7f]/.test(s)) assert.equal(atBytes(s, at), parseTimestampSlow(s), s);
        }
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

  it('caches no day before it has read one: a text that begins like a placeholder is not taken for a time of that day', async () => {
    // A fresh copy of the module, as a new process has it. Any first character is possible in
    // a timestamp (a JSON escape makes one), so no placeholder day may stand for "none yet".
    const fresh = (await import(`./dates.js?fresh=${Date.now()}`)) as typeof import('./dates.js');
    for (const s of ['\u0000aaaaaaaaaa12:00:00.000Z', 'aaaaaaaaaaa12:00:00.000Z', '\uffffaaaaaaaaaa12:00:00.000Z']) {
      assert.equal(fresh.parseTimestamp(s), undefined, JSON.stringify(s));
      assert.equal(fresh.parseTimestampAt(Buffer.from(s, 'latin1'), 0, s.length), undefined, JSON.stringify(s));
    }
    assert.equal(fresh.parseTimestampAt(Buffer.from('x2026-11-22T18:47:00.543Z', 'latin1'), 1, 25), Date.UTC(2026, 10, 22, 18, 47, 0, 543) * 1000);
  });
});
