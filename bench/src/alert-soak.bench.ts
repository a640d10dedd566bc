// `npm run bench -- alert-soak`: what one evaluation costs as a continuous evaluator runs on.
// The 50 rules of alert.bench.ts over a copy of the 1 GB bench directory, with simulated time:
// a writer process appends one tick of traffic (DAYBOOK_SOAK_RATE events/s, default 10,000, for
// DAYBOOK_SOAK_TICK_MS, default 1,000: what evaluation on new lines sees), then the kept
// analyzer evaluates in a process of its own (alert-contender.ts, as `daybook alert` would);
// DAYBOOK_SOAK_TICKS times (default 600: ten simulated minutes, about three minutes here).
// CPU per evaluation is the evaluating process's since its last evaluation. Side by side:
// the first quarter of the ticks against the last, whose ratio is the growth an evaluator that
// runs for hours would see (an evaluation should cost what is new, not what the windows hold).
import { rmSync } from 'node:fs';
import { lastEventMs } from './analytics-gen.js';
import { benchSource, contender, ruleList, workingCopy } from './alert.bench.js';
import type { Evaluated } from './alert-contender.js';

const RATE = Number(process.env.DAYBOOK_SOAK_RATE ?? 10_000);
const TICK_MS = Number(process.env.DAYBOOK_SOAK_TICK_MS ?? 1000);
const TICKS = Math.max(8, Number(process.env.DAYBOOK_SOAK_TICKS ?? 600));

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function main(): Promise<void> {
  const dir = '.bench-data/alert-soak';
  workingCopy(await benchSource(), dir);
  let sim = lastEventMs(dir) + 1000;
  const writer = await contender('writer', dir, RATE);
  const kept = await contender('kept', dir);
  const per: number[] = [];
  try {
    await kept.ask<Evaluated>({ at: sim }); // the cold one: index and caches
    for (let i = 0; i < TICKS; i++) {
      sim += TICK_MS;
      await writer.ask({ end: sim, seconds: TICK_MS / 1000 });
      per.push((await kept.ask<Evaluated>({ at: sim })).cpuMs);
    }
  } finally {
    writer.stop();
    kept.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const q = Math.floor(per.length / 4);
  const quarters = [0, 1, 2, 3].map((j) => median(per.slice(j * q, (j + 1) * q)));
  process.stdout.write(`${TICKS} evaluations, each after ${TICK_MS} ms of ${RATE} events/s (simulated time), ${ruleList().length} rules, kept analyzer\n\n`);
  process.stdout.write(`${'CPU ms per evaluation'.padEnd(28)}${['quarter 1', 'quarter 2', 'quarter 3', 'quarter 4', 'last / first'].map((h) => h.padStart(13)).join('')}\n`);
  process.stdout.write(`${'median'.padEnd(28)}${[...quarters.map((x) => x.toFixed(1)), `${(quarters[3]! / quarters[0]!).toFixed(2)}x`].map((c) => c.padStart(13)).join('')}\n`);
}

if (process.argv[1]?.endsWith('alert-soak.bench.js')) await main();
