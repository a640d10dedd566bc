import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { chainLink, rowOf } from '../row.js';
import { clickhouseTarget, connect } from '../connect.js';
import { createSettings, createStatements } from '../schema.js';
import { clickhouseMissing, startClickHouse } from '../test/server.js';
import { INSERT_COLUMNS, NativeBatch } from './native.js';

describe('Native blocks', () => {
  it('every column reads back as written: long and multi-byte strings, nulls, negative and large integers, floats', () => {
    const o = { event_id: 'é'.repeat(30) + 'x'.repeat(200), timestamp: '1960-01-01T00:00:00Z', level: 'INFO', message: '€ and \ud83d\ude00', line: -42, quantity: 0.1 + 0.2, pnl: -1e-300, metadata: { status_code: 503 } };
    const ts = Date.UTC(1960, 0, 1) * 1000 - 1;
    const row = rowOf(o, ts, { bot: 'b', host: 'h', file: 'audit.log.3.gz', offset: 2 ** 40 + 3 });
    const batch = new NativeBatch();
    batch.add(row);
    batch.add({ ...row, event_id: 'second' });
    assert.equal(batch.rows, 2);
    assert.deepEqual(batch.row(0), row);
    assert.equal(batch.row(1).event_id, 'second');
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

describe('Native blocks on Debian\'s ClickHouse', { skip: clickhouseMissing() }, () => {
  it('the server reads every column back as written, with dictionaries of 1-byte, 2-byte and 4-byte indexes, and a block of a slice', async () => {
    const ch = await startClickHouse();
    try {
      // Through the client: it retires a keep-alive socket before 18.16 closes it (3 s idle), which a
      // plain fetch would reuse after the batch is built on a busy machine (EPIPE).
      const client = connect(clickhouseTarget(ch.url, 'nat'), { useDatabase: false });
      const settings = createSettings((await ch.query('SELECT version()')).trim());
      for (const query of createStatements({ database: 'nat' })) await client.command({ query, clickhouse_settings: settings });
      const batch = new NativeBatch();
      const src = { bot: 'b', host: 'h', file: 'audit.log', offset: 0 };
      // component: 70,000 distinct values (4-byte indexes); bot: 300 (2-byte); level: 2 (1-byte).
      for (let i = 0; i < 70_000; i++) {
        const row = rowOf({ event_id: `e${i}`, timestamp: 't', level: i % 2 ? 'INFO' : 'ERROR', component: `c${i}`, message: i === 7 ? '€ \ud800' : 'm', pnl: i % 3 ? i / 7 : undefined, line: -i, metadata: { status_code: i } }, Date.UTC(2024, 0, 1) * 1000 + i, { ...src, offset: 2 ** 40 + i });
        batch.add({ ...row, bot: `b${i % 300}` });
      }
      const insert = async (from: number, to: number) => {
        const res = await client.exec({ query: `INSERT INTO nat.events ${INSERT_COLUMNS} FORMAT Native`, values: Readable.from(batch.block(from, to)) });
        for await (const _ of res.stream) void _;
      };
      await insert(0, 40_000);
      await insert(40_000, 70_000);
      await client.close();
      const got = (await ch.query(`SELECT count(), uniqExact(component), uniqExact(bot), uniqExact(level), sum(pnl), sum(line), sum(offset - pow(2, 40)), sum(status_code), countIf(pnl IS NULL), max(ts) - min(ts) FROM nat.events`)).trim().split('\t').map(Number);
      let pnl = 0;
      for (let i = 0; i < 70_000; i++) if (i % 3) pnl += i / 7;
      const sum = (69_999 * 70_000) / 2;
      assert.deepEqual(got.slice(0, 4), [70_000, 70_000, 300, 2]);
      assert.ok(Math.abs(got[4]! - pnl) < 1e-6 * pnl);
      assert.deepEqual(got.slice(5), [-sum, sum, sum, Math.ceil(70_000 / 3), 69_999]);
      const row7 = (await ch.query(`SELECT message, component, bot FROM nat.events WHERE event_id = 'e7' FORMAT TSV`)).trim();
      assert.equal(row7, '€ \ufffd\tc7\tb7');
    } finally {
      await ch.destroy();
    }
  });
});
