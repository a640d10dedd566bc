// `npm run bench -- chaincheck`: chain_damaged over ClickHouse (@daybook/clickhouse
// chain-check.ts). One bot's chained directory of N events (core's logger, rotated and
// gzipped) shipped by daybook's Shipper into Debian's ClickHouse 18.16, then 1 % more appended
// and shipped. Per run, alternating, a check of the bot:
//   full      a new check without saved positions: every row read and walked (what an
//             evaluation would cost if it re-read the history: the baseline);
//   increment from the positions saved after the first N: the 1 % new rows only;
//   nothing   from the positions after everything: no new row.
// Wall time and this process's CPU (the walk: rebuilding lines, SHA-256, the client's
// parsing); ClickHouse's own CPU is not counted. N = DAYBOOK_BENCH_CHAIN_EVENTS (200,000).
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseChainCheck, clickhouseTarget, clientRunner, connect, Shipper, type ChainCheckState, type QueryRunner } from '@daybook/clickhouse';
import { clickhouseMissing, startClickHouse } from '../../packages/clickhouse/dist/test/server.js';
import { botLogger, logOne } from '../../packages/clickhouse/dist/test/logs.js';

async function log(dir: string, from: number, to: number): Promise<void> {
  const l = botLogger(dir, { maxFileSize: 8 * 1024 * 1024 });
  for (let i = from; i < to; i++) {
    logOne(l, i);
    if (i % 500 === 499) await l.flush();
  }
  await l.close();
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function main(): Promise<void> {
  const missing = clickhouseMissing();
  if (missing !== undefined) {
    process.stdout.write(`skipped: ${missing}\n`);
    return;
  }
  const n = Number(process.env.DAYBOOK_BENCH_CHAIN_EVENTS ?? 200_000);
  const extra = Math.ceil(n / 100);
  const runs = Number(process.env.DAYBOOK_BENCH_CHAIN_RUNS ?? 3);
  const root = mkdtempSync(join(tmpdir(), 'daybook-bench-chain-'));
  const dir = join(root, 'logs');
  const ch = await startClickHouse();
  const client = connect(clickhouseTarget(ch.url));
  const inner = clientRunner(client);
  // Counts the rows the checks' reads return (their tail queries).
  let read = 0;
  const runner: QueryRunner = {
    rows: (sql) => inner.rows(sql),
    async *stream<T>(sql: string): AsyncGenerator<T> {
      for await (const row of inner.stream!<T>(sql)) {
        read++;
        yield row;
      }
    },
  };
  const ship = async () => {
    const s = new Shipper({ dirs: [dir], target: clickhouseTarget(ch.url), bot: 'bench', host: 'h1' });
    try {
      await s.once();
    } finally {
      await s.close();
    }
  };
  try {
    await log(dir, 0, n);
    await ship();
    let atN: ChainCheckState | undefined;
    const first = new ClickHouseChainCheck(runner, { database: 'daybook', store: { load: () => undefined, save: (s) => void (atN = structuredClone(s)) } });
    first.round();
    if ((await first.damage('bench', 'h1')) !== 0) throw new Error('damage in a shipped chain');
    await log(dir, n, n + extra);
    await ship();
    let atEnd: ChainCheckState | undefined;
    const whole = new ClickHouseChainCheck(runner, { database: 'daybook', store: { load: () => structuredClone(atN), save: (s) => void (atEnd = structuredClone(s)) } });
    whole.round();
    await whole.damage('bench', 'h1');
    const contenders: Record<string, () => ClickHouseChainCheck> = {
      full: () => new ClickHouseChainCheck(runner, { database: 'daybook' }),
      increment: () => new ClickHouseChainCheck(runner, { database: 'daybook', store: { load: () => structuredClone(atN), save: () => undefined } }),
      nothing: () => new ClickHouseChainCheck(runner, { database: 'daybook', store: { load: () => structuredClone(atEnd), save: () => undefined } }),
    };
    const wall: Record<string, number[]> = { full: [], increment: [], nothing: [] };
    const cpu: Record<string, number[]> = { full: [], increment: [], nothing: [] };
    const loads: number[] = [];
    const rows: Record<string, number> = {};
    for (let r = 0; r < runs; r++) {
      for (const [name, make] of Object.entries(contenders)) {
        const check = make();
        check.round();
        loads.push(loadavg()[0]!);
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        read = 0;
        const d = await check.damage('bench', 'h1');
        rows[name] = read;
        wall[name]!.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu[name]!.push((c.user + c.system) / 1000);
        if (d !== 0) throw new Error(`${name}: damage ${d}`);
      }
    }
    process.stdout.write(`${n} + ${extra} events, ${runs} runs each, alternating; load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} on ${availableParallelism()} cores\n\n`);
    process.stdout.write('| check | rows read | wall ms, median (range) | vs full | CPU ms, median (range) | vs full |\n|---|---|---|---|---|---|\n');
    for (const name of Object.keys(contenders)) {
      const w = wall[name]!;
      const c = cpu[name]!;
      const ratio = (x: number[], base: number[]) => `${(median(x) / median(base)).toFixed(3)}x`;
      process.stdout.write(`| ${name} | ${rows[name]} | ${median(w).toFixed(0)} (${Math.min(...w).toFixed(0)}-${Math.max(...w).toFixed(0)}) | ${ratio(w, wall.full!)} | ${median(c).toFixed(0)} (${Math.min(...c).toFixed(0)}-${Math.max(...c).toFixed(0)}) | ${ratio(c, cpu.full!)} |\n`);
    }
  } finally {
    await client.close();
    await ch.destroy();
    rmSync(root, { recursive: true, force: true });
  }
}
