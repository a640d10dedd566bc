import type { ClickHouseClient } from '@clickhouse/client';
import { COLUMNS, EVENTS_TABLE, LOCAL_TABLE, createSettings, createStatements, ident, supportsTtl } from '../schema.js';
import { ShipError } from './failure.js';

// The shipper creates what it writes to (the contract: "It creates the database and the
// `events` table if missing") and refuses a table of another schema before inserting a line
// into it: a mismatched table would refuse every row, and bisecting batches would then report
// every line as rejected instead of naming the one cause.

export interface TableSetup {
  database: string;
  /** With a cluster and no distributed DDL: check that every shard has its local table (not for `--create-only`, which makes one shard's). */
  allShards?: boolean;
  cluster?: string;
  ttlDays?: number;
  display: string;
}

const str = (s: string): string => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

async function rows<T>(client: ClickHouseClient, query: string): Promise<T[]> {
  const rs = await client.query({ query, format: 'JSONEachRow' });
  return rs.json<T>();
}

/** The server's version (`SELECT version()`). */
async function serverVersion(client: ClickHouseClient): Promise<string> {
  const [r] = await rows<{ v: string }>(client, 'SELECT version() AS v');
  return r?.v ?? '0.0';
}

/** ON CLUSTER needs distributed DDL (ZooKeeper); without it the statements run on this server only. */
const NO_DISTRIBUTED_DDL = /DDL background thread is not initialized|DistributedDDL|distributed_ddl|ZooKeeper|Code: 139\b|Code: 225\b/i;

/**
 * Creates the database and table(s) if missing, then checks the schema. With a cluster and
 * no distributed DDL, creates them on this server and checks that every shard has them.
 */
export async function ensureTable(client: ClickHouseClient, o: TableSetup): Promise<void> {
  const version = await serverVersion(client);
  if (o.ttlDays !== undefined && !supportsTtl(version)) {
    throw new ShipError('schema', `--ttl-days needs ClickHouse 19.6 or later (${o.display} runs ${version}): leave it out, or drop old partitions yourself (ALTER TABLE ... DROP PARTITION)`);
  }
  const settings = createSettings(version);
  const run = (query: string) => client.command({ query, clickhouse_settings: settings });
  const statements = createStatements({ database: o.database, ...(o.cluster === undefined ? {} : { cluster: o.cluster }), ...(o.ttlDays === undefined ? {} : { ttlDays: o.ttlDays }) });
  if (o.cluster === undefined) {
    for (const s of statements) await run(s);
  } else {
    let local = false;
    for (const s of statements) {
      if (!local) {
        try {
          await run(s);
          continue;
        } catch (e) {
          if (!NO_DISTRIBUTED_DDL.test(String((e as Error).message))) throw e;
          local = true;
        }
      }
      await run(s.replace(` ON CLUSTER ${ident(o.cluster)}`, ''));
    }
    if (local && o.allShards !== false) await checkShards(client, o.database, o.cluster, o.display);
  }
  await checkSchema(client, o.database, o.display);
}

/** Every shard of `cluster` holds `database.events_local`, or a ShipError naming how to make it so. */
async function checkShards(client: ClickHouseClient, database: string, cluster: string, display: string): Promise<void> {
  const [shards] = await rows<{ n: string | number }>(client, `SELECT count(DISTINCT shard_num) AS n FROM system.clusters WHERE cluster = ${str(cluster)}`);
  const n = Number(shards?.n ?? 0);
  if (n === 0) throw new ShipError('schema', `--cluster ${cluster}: ${display} has no such cluster in its remote_servers configuration`);
  const [have] = await rows<{ n: string | number }>(client, `SELECT count() AS n FROM cluster(${str(cluster)}, system.tables) WHERE database = ${str(database)} AND name = ${str(LOCAL_TABLE)}`);
  const h = Number(have?.n ?? 0);
  if (h < n) {
    throw new ShipError('schema', `--cluster ${cluster}: ${n - h} of ${n} shards have no ${database}.${LOCAL_TABLE} and the servers have no distributed DDL (ZooKeeper) to create it: run \`daybook ship --create-only --cluster ${cluster} --clickhouse URL\` once against each shard`);
  }
}

/** The events table has every column daybook writes, of daybook's type; else a ShipError naming the differences. */
export async function checkSchema(client: ClickHouseClient, database: string, display: string): Promise<void> {
  const have = await rows<{ name: string; type: string }>(client, `SELECT name, type FROM system.columns WHERE database = ${str(database)} AND table = ${str(EVENTS_TABLE)}`);
  if (have.length === 0) throw new ShipError('schema', `${database}.${EVENTS_TABLE} does not exist on ${display}`);
  const types = new Map(have.map((c) => [c.name, c.type]));
  const wrong: string[] = [];
  for (const [name, type] of COLUMNS) {
    const t = types.get(name);
    if (t === undefined) wrong.push(`no column ${name}`);
    else if (t !== type) wrong.push(`${name} is ${t}, not ${type}`);
  }
  if (wrong.length > 0) {
    const shown = wrong.slice(0, 5).join('; ') + (wrong.length > 5 ? `; and ${wrong.length - 5} more` : '');
    throw new ShipError('schema', `${database}.${EVENTS_TABLE} has another schema (${shown}): ship to another --database, or drop the table so that daybook creates its own`);
  }
}
