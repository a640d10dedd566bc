import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyBadLines } from './bad-lines.js';
import { compactSegment, mergeSegments, SegmentBuilder, tradeRowsOnly, type Segment } from './segment.js';
import { ev } from './test/helpers.js';

describe('tradeRowsOnly', () => {
  it('is the segment compacted to its trading rows, their error and value records moved along, without bad lines', () => {
    const b = new SegmentBuilder('t');
    const events = [
      ev({ event_type: 'api_call', latency_ms: 5, session_id: 's1' }),
      ev({ event_type: 'trade_entry', symbol: 'AAPL', quantity: 2, price: 10, position_id: 'p1', portfolio_value: 1000, session_id: 's2' }),
      ev({ event_type: 'system_error', level: 'ERROR', portfolio_heat: 0.3 }),
      ev({ event_type: 'trade_exit', level: 'ERROR', symbol: 'AAPL', quantity: 2, price: 11, pnl: 2, position_id: 'p1', event_id: 'not-a-uuid' }),
      ev({ event_type: 'api_call', latency_ms: 7 }),
      ev({ event_type: 'stop_loss_hit', symbol: 'MSFT', daily_pnl: -4 }),
    ];
    events.forEach((e, i) => b.add(e, 1000 + i));
    b.bad.invalid_json = 2;
    const seg = b.finish();
    const keep = new Uint8Array(seg.n);
    for (const t of seg.trades) keep[t.row] = 1;
    const { dropped: _dropped, ...expected } = compactSegment(seg, keep);
    const got = tradeRowsOnly(seg);
    assert.deepEqual(got, { ...expected, bad: emptyBadLines() });
    assert.equal(got.n, 3);
    assert.deepEqual(got.errors.map((e) => e.row), [1]);
    assert.deepEqual(got.values.map((v) => v.row), [0, 2]);
    assert.deepEqual([...got.textIds], [[1, 'not-a-uuid']]);
    // All trading rows and no bad line: the segment itself.
    const only = new SegmentBuilder('t');
    only.add(events[1]!, 1);
    const s = only.finish();
    assert.equal(tradeRowsOnly(s), s);
  });
});

describe('mergeSegments', () => {
  // Varied rows: sessions met first in a later part, text ids, trades, errors, values.
  const events = [
    ev({ event_type: 'api_call', latency_ms: 5, session_id: 's1' }),
    ev({ event_type: 'trade_entry', symbol: 'AAPL', quantity: 2, price: 10, position_id: 'p1', portfolio_value: 1000, session_id: 's2' }),
    ev({ event_type: 'system_error', level: 'ERROR', portfolio_heat: 0.3, session_id: 's3' }),
    ev({ event_type: 'trade_exit', level: 'ERROR', symbol: 'AAPL', quantity: 2, price: 11, pnl: 2, position_id: 'p1', event_id: 'not-a-uuid', session_id: 's2' }),
    ev({ event_type: 'api_call', latency_ms: 7, session_id: 42 }),
    ev({ event_type: 'stop_loss_hit', symbol: 'MSFT', daily_pnl: -4, session_id: 's4' }),
    ev({ event_type: 'health_check', metadata: { status: 'degraded' }, event_id: 'also-text', session_id: 's1' }),
    ev({ event_type: 'api_call', latency_ms: 9, metadata: { status_code: 503 }, session_id: 's4' }),
  ];
  const segmentOf = (from: number, to: number, bad = 0): Segment => {
    const b = new SegmentBuilder('audit.log');
    for (let i = from; i < to; i++) b.add(events[i]!, 1000 + i);
    b.bad.invalid_json = bad;
    return b.finish();
  };

  it('is the segment the parts\' lines read at once give, wherever the parts are cut', () => {
    for (const cuts of [[4], [1, 2], [3, 6], [2, 5, 7], [1, 2, 3, 4, 5, 6, 7]]) {
      const ends = [0, ...cuts, events.length];
      const parts = ends.slice(1).map((end, i) => segmentOf(ends[i]!, end, i));
      const whole = segmentOf(0, events.length, (parts.length * (parts.length - 1)) / 2);
      assert.deepEqual(mergeSegments(parts), whole, `cut at ${cuts.join(', ')}`);
    }
    const one = segmentOf(0, 3);
    assert.equal(mergeSegments([one]), one);
  });

  it('keeps the ids of the rows compacted parts dropped, part after part', () => {
    const a = segmentOf(0, 4);
    const b = segmentOf(4, 8);
    const dropA = Uint8Array.from([1, 0, 1, 1]);
    const dropB = Uint8Array.from([1, 1, 0, 0]);
    const merged = mergeSegments([compactSegment(a, dropA), compactSegment(b, dropB)]);
    const once = compactSegment(segmentOf(0, 8), Uint8Array.from([...dropA, ...dropB]));
    assert.deepEqual(merged, once);
    assert.deepEqual(merged.dropped!.text, ['also-text']);
    assert.equal(merged.dropped!.words.length, 8);
  });
});
