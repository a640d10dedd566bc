import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyBadLines } from './bad-lines.js';
import { compactSegment, SegmentBuilder, tradeRowsOnly } from './segment.js';
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
