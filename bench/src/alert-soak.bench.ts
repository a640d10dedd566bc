// `npm run bench -- alert-soak`: what one evaluation costs as a continuous evaluator runs on.
// The 50 rules of alert.bench.ts over a copy of the 1 GB bench directory, in one process with
// simulated time: a logger appends one tick of traffic (DAYBOOK_SOAK_RATE events/s, default
// 10,000, for DAYBOOK_SOAK_TICK_MS, default 1,000: what evaluation on new lines sees), then the
// kept analyzer evaluates; DAYBOOK_SOAK_TICKS times (default 600: ten simulated minutes, about
// three minutes here). CPU per evaluation is the process's own, evaluation only. Side by side:
// the first quarter of the ticks against the last, whose ratio is the growth an evaluator that
// runs for hours would see (an evaluation should cost what is new, not what the windows hold).
import { closeAuditLogger, initializeAuditLogger } from '@daybook/core';
import { Evaluator, parseRules, directoryTarget } from '@daybook/alert';
import { rmSync } from 'node:fs';
import { lastEventMs } from './analytics-gen.js';
import { BOT_LOGGER, benchSource, logTraffic, ruleList, workingCopy } from './alert.bench.js';

const RATE = Number(process.env.DAYBOOK_SOAK_RATE ?? 10_000);
const TICK_MS = Number(process.env.DAYBOOK_SOAK_TICK_MS ?? 1000);
const TICKS = Math.max(8, Number(process.env.DAYBOOK_SOAK_TICKS ?? 600));

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function main(): Promise<void> {
  const dir = '.bench-data/alert-soak';
  workingCopy(await benchSource(), dir);
  let sim = lastEventMs(dir) + 1000;
  const target = directoryTarget(dir);
  const rules = parseRules({ rules: ruleList() });
  const evaluator = new Evaluator({ rules, targets: () => [target] });
  const realNow = Date.now;
  Date.now = () => sim;
  const per: number[] = [];
  try {
    const audit = initializeAuditLogger({ ...BOT_LOGGER, logDir: dir, sessionId: 'bench_soak', bufferSize: 256 * 1024 * 1024 });
    await evaluator.evaluate(sim); // the cold one: index and caches
    const n = (RATE * TICK_MS) / 1000;
    let seq = 0;
    for (let i = 0; i < TICKS; i++) {
      for (let k = 0; k < n; k++) {
        sim += TICK_MS / n;
        logTraffic(audit, ++seq);
      }
      await audit.flush();
      const c0 = cpuMs();
      const e = await evaluator.evaluate(sim);
      per.push(cpuMs() - c0);
      if (e.errors.length > 0) throw new Error(JSON.stringify(e.errors[0]));
    }
    await closeAuditLogger();
  } finally {
    Date.now = realNow;
    rmSync(dir, { recursive: true, force: true });
  }
  const q = Math.floor(per.length / 4);
  const quarters = [0, 1, 2, 3].map((j) => median(per.slice(j * q, (j + 1) * q)));
  process.stdout.write(`${TICKS} evaluations, each after ${TICK_MS} ms of ${RATE} events/s (simulated time), ${rules.rules.length} rules, kept analyzer\n\n`);
  process.stdout.write(`${'CPU ms per evaluation'.padEnd(28)}${['quarter 1', 'quarter 2', 'quarter 3', 'quarter 4', 'last / first'].map((h) => h.padStart(13)).join('')}\n`);
  process.stdout.write(`${'median'.padEnd(28)}${[...quarters.map((x) => x.toFixed(1)), `${(quarters[3]! / quarters[0]!).toFixed(2)}x`].map((c) => c.padStart(13)).join('')}\n`);
}

if (process.argv[1]?.endsWith('alert-soak.bench.js')) await main();
