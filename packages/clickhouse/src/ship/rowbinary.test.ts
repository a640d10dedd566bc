import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chainLink, rowOf } from '../row.js';
import { decodeRow, RowBinaryBatch } from './rowbinary.js';

describe('RowBinary rows', () => {
  it('every column reads back as written: long and multi-byte strings, nulls, negative and large integers, floats', () => {
    const o = { event_id: 'é'.repeat(30) + 'x'.repeat(200), timestamp: '1960-01-01T00:00:00Z', level: 'INFO', message: '€ and \ud83d\ude00', line: -42, quantity: 0.1 + 0.2, pnl: -1e-300, metadata: { status_code: 503 } };
    const ts = Date.UTC(1960, 0, 1) * 1000 - 1;
    const row = rowOf(o, ts, { bot: 'b', host: 'h', file: 'audit.log.3.gz', offset: 2 ** 40 + 3 });
    const batch = new RowBinaryBatch();
    batch.add(row);
    batch.add({ ...row, event_id: 'second' });
    assert.equal(batch.rows, 2);
    assert.deepEqual(decodeRow(batch.slice(0, 1)), row);
    assert.equal(decodeRow(batch.slice(1, 2)).event_id, 'second');
    assert.equal(batch.slice(0, 2).length, batch.bytes);
  });

  it('time is clamped to what DateTime holds; ts keeps the exact time', () => {
    const src = { bot: 'b', host: 'h', file: 'f', offset: 0 };
    assert.equal(rowOf({ event_id: 'a', metadata: {} }, Date.UTC(1960, 0, 1) * 1000, src).time, 0);
    assert.equal(rowOf({ event_id: 'a', metadata: {} }, Date.UTC(2200, 0, 1) * 1000, src).time, 4_294_967_295);
    assert.equal(rowOf({ event_id: 'a', metadata: {} }, Date.UTC(2200, 0, 1) * 1000, src).ts, Date.UTC(2200, 0, 1) * 1000);
  });

  it('chainLink: the link at the end of a chained line, or nothing', () => {
    const h = 'ab'.repeat(32);
    assert.equal(chainLink(`{"event_id":"e","hash":"${h}"}`), h);
    assert.equal(chainLink(`{"event_id":"e","hash":"${h.toUpperCase()}"}`), '');
    assert.equal(chainLink('{"event_id":"e"}'), '');
  });
});
