// What the export carries of a trade's lifecycle (metrics.md "Trades"): the position_id that
// links its events and the fee of each, in CSV, Parquet and the SQL `events` table.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LogAnalyzer } from './analyzer.js';
import { EXPORT_COLUMNS } from './export-csv.js';
import { withEvents } from './export.js';
import { ev, lines, tempDir } from './test/helpers.js';

const trade = [
  ev({ timestamp: '2024-01-02T10:00:00Z', event_type: 'trade_entry', component: 'trading', symbol: 'AAPL', side: 'buy', quantity: 10, price: 100, position_id: 'P-1', fee: 1.25 }),
  ev({ timestamp: '2024-01-02T11:00:00Z', event_type: 'trade_exit', component: 'trading', symbol: 'AAPL', quantity: 10, price: 110, position_id: 'P-1', fee: -0.5 }),
  ev({ timestamp: '2024-01-02T11:30:00Z', event_type: 'trade_exit', component: 'trading', symbol: 'TSLA', quantity: 1, price: 5, fee: 'not a number' }),
];

function dir(): string {
  const d = tempDir();
  writeFileSync(join(d, 'audit.log'), lines(trade));
  return d;
}

describe('export of a trade\'s events', () => {
  it('the columns of before, in their order, then fee at the end (new columns are only added at the end)', () => {
    assert.deepEqual(EXPORT_COLUMNS.slice(0, 23), [
      'timestamp', 'level', 'event_type', 'component', 'message', 'event_id', 'session_id', 'environment',
      'symbol', 'side', 'quantity', 'price', 'order_id', 'position_id', 'pnl', 'risk_percent',
      'portfolio_value', 'daily_pnl', 'portfolio_heat', 'latency_ms', 'strategy_name', 'logger', 'metadata',
    ]);
    assert.equal(EXPORT_COLUMNS.at(-1), 'fee');
  });

  it('CSV: position_id and fee of each event (a rebate negative, a fee that is not a number as text)', async () => {
    const out = join(tempDir(), 'trades.csv');
    const r = await new LogAnalyzer(dir()).exportLogs(out);
    assert.equal(r.rows, 3);
    const [header, ...rows] = readFileSync(out, 'utf8').trimEnd().split('\n');
    const cols = header!.split(',');
    const at = (row: string, c: string) => row.split(',')[cols.indexOf(c)];
    assert.deepEqual(rows.map((row) => [at(row, 'position_id'), at(row, 'fee')]), [['P-1', '1.25'], ['P-1', '-0.5'], ['', 'not a number']]);
  });

  it('SQL and Parquet: fee is a DOUBLE (null when not a number), so fees sum per position', async () => {
    const sums = await withEvents([dir()], {}, 'DAYBOOK_E_QUERY_ENGINE', async (conn, relation) =>
      (await conn.runAndReadAll(`SELECT coalesce(position_id, '-') AS position, sum(fee) AS fees, typeof(any_value(fee)) AS type FROM (${relation}) GROUP BY 1 ORDER BY 1`)).getRowObjectsJson());
    assert.deepEqual(sums, [{ position: '-', fees: null, type: 'DOUBLE' }, { position: 'P-1', fees: 0.75, type: 'DOUBLE' }]);
    const parquet = join(tempDir(), 'trades.parquet');
    await new LogAnalyzer(dir()).exportLogs(parquet);
    const duck = await import('@duckdb/node-api');
    const instance = await duck.DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      const rows = (await conn.runAndReadAll(`SELECT position_id, fee FROM read_parquet('${parquet}') ORDER BY "timestamp"`)).getRowObjectsJson();
      assert.deepEqual(rows, [{ position_id: 'P-1', fee: 1.25 }, { position_id: 'P-1', fee: -0.5 }, { position_id: null, fee: null }]);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });
});
