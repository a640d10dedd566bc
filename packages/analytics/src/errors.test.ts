import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseRange } from './dates.js';
import { eventSetFromEvents } from './event-set.js';
import { computeReport } from './report.js';
import { countWarnings, errorSummary, selectErrors } from './errors.js';
import { isoOf, parseTimestamp, type TimeRange } from './dates.js';
import { select } from './event-set.js';
import type { ErrorRecord } from './segment.js';
import { ev, growingSets } from './test/helpers.js';

const summary = (events: (Record<string, unknown> | string)[]) => computeReport(eventSetFromEvents(events), parseRange()).error_summary;
const err = (timestamp: string, message: string, extra: Record<string, unknown> = {}) => ev({ timestamp, level: 'ERROR', event_type: 'system_error', component: 'alpaca_client', message, ...extra });

describe('error summary', () => {
  it('nothing: zeros and all 24 hours', () => {
    const s = summary([ev({ level: 'INFO' })]);
    assert.equal(s.total_errors, 0);
    assert.deepEqual(Object.keys(s.errors_by_hour).sort(), Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0')));
    assert.deepEqual(s.top_messages, []);
    assert.deepEqual(s.recent_errors, []);
  });

  it('counts, groups, top messages with digits folded, hours and recent errors', () => {
    const s = summary([
      err('2024-01-01T10:00:00Z', 'Order 123 failed', { metadata: { error_type: 'TimeoutError' } }),
      err('2024-01-01T11:00:00Z', 'Order 4567 failed', { component: '', metadata: { error_type: '' } }),
      err('2024-01-01T09:00:00Z', 'Order 8 failed', { level: 'critical' }),
      err('2024-01-01T09:30:00Z', 'disk full', { event_type: 'api_error' }),
      ev({ timestamp: '2024-01-01T12:00:00Z', level: 'WARNING', message: 'slow' }),
      '2024-01-01 13:00:00,250 | jit-mm-swift | ERROR | Processing order 9 for SOL',
      '2024-01-01 13:00:01,000 | jit-mm-swift | WARNING | low balance',
    ]);
    assert.equal(s.total_errors, 5);
    assert.equal(s.total_warnings, 2);
    assert.deepEqual(s.by_component, { alpaca_client: 3, unknown: 1, 'jit-mm-swift': 1 });
    assert.deepEqual(s.by_error_type, { TimeoutError: 1, system_error: 2, api_error: 1, app_log: 1 });
    assert.deepEqual(s.top_messages[0], { message: 'Order # failed', count: 3, first_seen: '2024-01-01T09:00:00.000Z', last_seen: '2024-01-01T11:00:00.000Z' });
    assert.deepEqual(s.top_messages.slice(1).map((m) => m.message), ['disk full', 'Processing order # for SOL']);
    assert.equal(s.errors_by_hour['09'], 2);
    assert.equal(s.errors_by_hour['13'], 1);
    assert.equal(s.recent_errors[0]!.message, 'Processing order 9 for SOL');
    assert.equal(s.recent_errors[0]!.timestamp, '2024-01-01T13:00:00.250Z');
    assert.deepEqual(s.recent_errors[1], {
      timestamp: '2024-01-01T11:00:00.000Z', level: 'ERROR', component: 'unknown', event_type: 'system_error',
      message: 'Order 4567 failed', event_id: s.recent_errors[1]!.event_id, error_type: 'system_error',
    });
    assert.equal(s.recent_errors[4]!.level, 'CRITICAL');
  });

  it('top 10 by count, then first seen, then message; recent 10 newest first', () => {
    const events: Record<string, unknown>[] = [];
    for (let i = 0; i < 12; i++) events.push(err(`2024-01-01T10:${String(59 - i).padStart(2, '0')}:00Z`, `m${String.fromCharCode(97 + i)}`));
    events.push(err('2024-01-01T11:00:00Z', 'mb'));
    events.push(err('2024-01-01T10:00:00Z', 'zz'), err('2024-01-01T10:00:00Z', 'yy'));
    const s = summary(events);
    assert.equal(s.top_messages.length, 10);
    assert.equal(s.top_messages[0]!.message, 'mb');
    assert.deepEqual(s.top_messages.slice(1, 3).map((m) => m.message), ['yy', 'zz']); // same count and first_seen: by message
    assert.equal(s.recent_errors.length, 10);
    assert.equal(s.recent_errors[0]!.timestamp, '2024-01-01T11:00:00.000Z');
    assert.equal(s.recent_errors[1]!.message, 'ma');
  });

  it('recent_errors: the ten newest, newest first, the one read later first at the same instant (against a full sort)', () => {
    const record = (ts: number, i: number): ErrorRecord => ({ row: i, ts, level: 'ERROR', component: 'c', eventType: 'system_error', message: `m${i}`, eventId: `e${i}`, errorType: 'x' });
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 60 }), (times) => {
        const errors = times.map((t, i) => record(t * 1_000_000, i));
        const expected = errors.map((e, i) => [e, i] as const).sort(([a, ia], [b, ib]) => b.ts - a.ts || ib - ia).slice(0, 10).map(([e]) => e.eventId);
        assert.deepEqual(errorSummary(errors, 0).recent_errors.map((r) => r.event_id), expected);
      }),
    );
  });

  it('components and error types named as Object.prototype\'s properties are counted like any other', () => {
    const s = summary([
      err('2024-01-01T10:00:00Z', 'a', { component: '__proto__', metadata: { error_type: 'toString' } }),
      err('2024-01-01T11:00:00Z', 'b', { component: '__proto__', metadata: { error_type: 'constructor' } }),
      err('2024-01-01T12:00:00Z', 'c', { component: 'valueOf', metadata: { error_type: 'toString' } }),
    ]);
    assert.deepEqual(Object.entries(s.by_component), [['__proto__', 2], ['valueOf', 1]]);
    assert.deepEqual(Object.entries(s.by_error_type), [['toString', 2], ['constructor', 1]]);
    assert.equal(Object.getPrototypeOf(s.by_component), Object.prototype);
  });

  it('of a set read in parts (a repeated report): each segment\'s part added up is one pass over all the errors', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ minute: fc.integer({ min: 0, max: 40 }), kind: fc.integer({ min: 0, max: 9 }), name: fc.constantFrom('feed', 'broker', '__proto__', 'toString'), n: fc.integer({ min: 0, max: 30 }) }), { maxLength: 120 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 40 }),
        (rows, cuts, from) => {
          const base = parseTimestamp('2024-01-01T00:00:00Z')!;
          // Minutes of 0-40: errors at the same instant in different segments (recent_errors' ties).
          const events = rows.map((r) =>
            r.kind < 2
              ? ev({ timestamp: isoOf(base + r.minute * 60e6), level: 'WARNING' })
              : err(isoOf(base + r.minute * 60e6), `Order ${r.n} failed`, { level: r.kind === 9 ? 'CRITICAL' : 'ERROR', component: r.name, metadata: { error_type: r.kind < 5 ? r.name : 'Timeout' } }),
          );
          // The segments of one source, read in parts.
          const chunks: Record<string, unknown>[][] = [];
          for (let i = 0, c = 0; i < events.length; c++) {
            chunks.push(events.slice(i, i + cuts[c % cuts.length]!));
            i += cuts[c % cuts.length]!;
          }
          for (const set of growingSets(chunks)) {
            for (const range of [parseRange(), { start: base + from * 60e6, end: Infinity, endExclusive: false } satisfies TimeRange]) {
              const sel = select(set, range);
              assert.deepEqual(computeReport(set, range).error_summary, errorSummary(selectErrors(sel), countWarnings(sel)));
            }
          }
        },
      ),
    );
  });
});
