import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Real ClickHouse servers for the tests: Debian's clickhouse-server (18.16), each started on
// free loopback ports with its data in a temporary directory, stopped (and removed) by the
// test. `.ci/run` installs the package; on a developer's machine without it the tests that
// need it skip, saying so (never in CI: CI=true makes a missing server a failure).

export const CLICKHOUSE_BIN = process.env.DAYBOOK_CLICKHOUSE_SERVER ?? '/usr/sbin/clickhouse-server';

/** Why ClickHouse tests cannot run here, or undefined when they can. */
export function clickhouseMissing(): string | undefined {
  if (existsSync(CLICKHOUSE_BIN)) return undefined;
  const why = `${CLICKHOUSE_BIN} not found: apt-get install clickhouse-server (as .ci/run does)`;
  if (process.env.CI === 'true') throw new Error(`CI must run the ClickHouse tests: ${why}`);
  return why;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface ShardAddress {
  tcpPort: number;
}

export interface ClickHouseInstance {
  readonly url: string;
  readonly httpPort: number;
  readonly tcpPort: number;
  readonly dir: string;
  /** Starts the server (again) on the same ports and data; resolves once it answers. */
  start(): Promise<void>;
  /** SIGTERM, then waits for the process to end. */
  stop(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
  /** Runs one statement over HTTP (test setup and checks). */
  query(sql: string): Promise<string>;
}

export interface InstanceOptions {
  /** `remote_servers` clusters: name → shard TCP ports (one replica each). */
  clusters?: Record<string, number[]>;
  /** Extra users.xml `<users>` entries (e.g. one with a password). */
  users?: Record<string, string>;
  /** Ports decided beforehand (a cluster's servers name each other). */
  httpPort?: number;
  tcpPort?: number;
}

function config(dir: string, http: number, tcp: number, clusters: Record<string, number[]>): string {
  const remote = Object.entries(clusters)
    .map(([name, ports]) => `<${name}>${ports.map((p) => `<shard><replica><host>127.0.0.1</host><port>${p}</port></replica></shard>`).join('')}</${name}>`)
    .join('');
  return `<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/err.log</errorlog><console>0</console></logger>
  <http_port>${http}</http_port>
  <tcp_port>${tcp}</tcp_port>
  <interserver_http_port>0</interserver_http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>0</uncompressed_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
  <remote_servers>${remote}</remote_servers>
</yandex>
`;
}

function users(extra: Record<string, string>): string {
  const user = (name: string, password: string) =>
    `<${name}><password>${password}</password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></${name}>`;
  return `<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage><max_threads>2</max_threads></default></profiles>
  <users>${user('default', '')}${Object.entries(extra).map(([n, p]) => user(n, p)).join('')}</users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;
}

/** Starts a clickhouse-server; call `destroy()` when done. */
export async function startClickHouse(options: InstanceOptions = {}): Promise<ClickHouseInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'daybook-ch-'));
  const httpPort = options.httpPort ?? (await freePort());
  const tcpPort = options.tcpPort ?? (await freePort());
  for (const d of ['data', 'tmp', 'user_files', 'format_schemas']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'config.xml'), config(dir, httpPort, tcpPort, options.clusters ?? {}));
  writeFileSync(join(dir, 'users.xml'), users(options.users ?? {}));
  const url = `http://127.0.0.1:${httpPort}`;
  let child: ChildProcess | undefined;

  const query = async (sql: string): Promise<string> => {
    const res = await fetch(url, { method: 'POST', body: sql });
    const body = await res.text();
    if (!res.ok) throw new Error(`ClickHouse ${res.status}: ${body.trim()}`);
    return body;
  };
  const start = async (): Promise<void> => {
    child = spawn(CLICKHOUSE_BIN, [`--config-file=${join(dir, 'config.xml')}`], { stdio: 'ignore' });
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        if ((await query('SELECT 1')).trim() === '1') return;
      } catch {
        // not up yet
      }
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`clickhouse-server did not start on ${url}; see ${dir}/err.log`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (c === undefined || c.exitCode !== null) return;
    const ended = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
    await ended;
    clearTimeout(timer);
  };
  await start();
  return {
    url, httpPort, tcpPort, dir, start, stop, query,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Two servers, each naming both as the shards of cluster `name`. */
export async function startCluster(name = 'daybook_test'): Promise<ClickHouseInstance[]> {
  const ports = [await freePort(), await freePort()];
  return Promise.all(ports.map(async (tcpPort) => startClickHouse({ tcpPort, clusters: { [name]: ports } })));
}

/** Whether `clickhouse-client` is installed (the bench's bulk loader). */
export const hasClickHouseClient = (): boolean => spawnSync('clickhouse-client', ['--version']).status === 0;
