import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSettings, createStatements, COLUMNS, supportsTtl } from './schema.js';
import { chdbMissing, chdbSession } from './test/chdb.js';
import { rowOf } from './row.js';
import { clickhouseMissing, startClickHouse, startCluster, type ClickHouseInstance } from './test/server.js';

const missing = clickhouseMissing();
const settings = Object.entries(createSettings('18.16.1')).map(([k, v]) => `${k}=${v}`).join('&');

async function run(ch: ClickHouseInstance, sql: string, extra = ''): Promise<string> {
  const res = await fetch(`${ch.url}/?${settings}${extra}`, { method: 'POST', body: sql });
  const body = await res.text();
  if (!res.ok) throw new Error(body);
  return body;
}

describe('the events table on Debian\'s ClickHouse', { skip: missing }, () => {
  let ch: ClickHouseInstance;
  before(async () => {
    ch = await startClickHouse();
  });
  after(() => ch?.destroy());

  it('creates, idempotently, and takes a row of every column', async () => {
    for (let i = 0; i < 2; i++) for (const s of createStatements({ database: 'daybook' })) await run(ch, s);
    const row = rowOf({ event_id: 'e1', timestamp: '2024-01-01T00:00:00.000Z', level: 'INFO', event_type: 'api_call', latency_ms: 12.5, metadata: { status_code: 503 } }, Date.UTC(2024, 0, 1) * 1000, { bot: 'b', host: 'h', file: 'audit.log', offset: 0 });
    await run(ch, `INSERT INTO daybook.events FORMAT JSONEachRow\n${JSON.stringify(row)}\n${JSON.stringify(row)}\n`);
    assert.equal((await run(ch, 'SELECT count() FROM daybook.events FINAL')).trim(), '1');
    const cols = (await run(ch, "SELECT name FROM system.columns WHERE database = 'daybook' AND table = 'events' FORMAT TSV")).trim().split('\n');
    assert.deepEqual(cols, COLUMNS.map(([n]) => n));
  });

  it('a Distributed table over two shards', async () => {
    const shards = await startCluster('pair');
    try {
      for (const s of shards) for (const stmt of createStatements({ database: 'daybook', cluster: 'pair' }).map((x) => x.replace(' ON CLUSTER `pair`', ''))) await run(s, stmt);
      const rows = [1, 2, 3, 4, 5, 6].map((i) => JSON.stringify(rowOf({ event_id: `e${i}`, timestamp: 't', level: 'INFO', event_type: 'x', metadata: {} }, Date.UTC(2024, 0, 1) * 1000, { bot: 'b', host: 'h', file: 'f', offset: i })));
      // 18.16 takes no SETTINGS clause in an INSERT: the setting goes in the URL.
      await run(shards[0]!, `INSERT INTO daybook.events FORMAT JSONEachRow\n${rows.join('\n')}\n`, '&insert_distributed_sync=1');
      assert.equal((await run(shards[1]!, 'SELECT count() FROM daybook.events FINAL')).trim(), '6');
      const local = await Promise.all(shards.map(async (s) => Number((await run(s, 'SELECT count() FROM daybook.events_local')).trim())));
      assert.equal(local[0]! + local[1]!, 6);
      assert.ok(local[0]! > 0 && local[1]! > 0, `both shards hold rows: ${local.join(', ')}`);
    } finally {
      await Promise.all(shards.map((s) => s.destroy()));
    }
  });
});

describe('the events table on a current ClickHouse (chdb)', { skip: chdbMissing() }, () => {
  it('creates with the settings and TTL a current server takes', async () => {
    const s = await chdbSession();
    try {
      const version = s.query('SELECT version()', 'TSV').trim();
      assert.deepEqual(createSettings(version), {});
      assert.ok(supportsTtl(version));
      for (const st of createStatements({ database: 'daybook', ttlDays: 30 })) s.query(st, 'TSV');
      const cols = s.query("SELECT name FROM system.columns WHERE database = 'daybook' AND table = 'events' FORMAT TSV").trim().split('\n');
      assert.deepEqual(cols, COLUMNS.map(([n]) => n));
    } finally {
      s.cleanup?.();
    }
  });
});
