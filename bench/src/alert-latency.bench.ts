// `npm run bench -- alert-latency`: issue 19's notification latency, from the log call of the
// event that makes a rule hold to the webhook receiving the firing notification, minus the
// rule's `for`, and the CPU share of one core of the alerting process, while a bot logs 10,000
// events/s in real time into the 1 GB bench directory.
//
//   bot        a process (alert-latency-bot.ts) logging RATE events/s at wall-clock pace with an
//              AuditLogger into a copy of DAYBOOK_ALERT_SOURCE (default .bench-data/analytics),
//              and BURST_ERRORS errors at once at instants the bench picks (50-65 s apart,
//              the same seeded sequence for every contender)
//   daybook    `daybook alert --dir COPY --rules FILE --json`, continuous, a process of its own:
//              the 50 rules of alert.bench.ts plus two the bursts make hold:
//                BurstErrors      error_count over 20 s above 2,000 (the background is 50
//                                 errors/s, 1,000 in the window; a burst adds 2,000), for 0s
//                                 (a window longer than the 15 s interval plus an evaluation,
//                                 so that the interval contender sees every burst too)
//                BurstErrorsHeld  error_count over 32 s above 3,000 (background 1,600), for 5s
//              one receiver on loopback (Alertmanager format), group_by alertname, group_wait
//              0s, group_interval 1s; each burst's alerts resolve before the next burst
//   receiver   an HTTP server in this process: the instant each firing notification arrives
//
// Contenders, alternating run by run:
//   data       this tree: evaluated on the new lines that may make a rule hold (min_interval
//              1s; @daybook/alert trigger.ts), at the end of a `for`, and
//              every evaluation_interval (15s)
//   interval   every 15 s only: DAYBOOK_LATENCY_BASELINE=path/to/cli/dist/bin.js of a tree
//              before the schedule (the previous loop); without it, this tree with min_interval
//              = evaluation_interval = 15s (new lines do not hasten an evaluation, but the end
//              of a `for` still does)
// CPU: the alert process's utime + stime (/proc/PID/stat) from after its first evaluation (the
// cold one: index and caches) to the end, over the wall time between.
//
// Env: DAYBOOK_LATENCY_BURSTS (default 20 per run), DAYBOOK_LATENCY_RUNS (runs per contender,
// default 1), DAYBOOK_LATENCY_RATE (events/s, default 10000), DAYBOOK_LATENCY_BASELINE,
// DAYBOOK_LATENCY_SEED (the bursts' instants; default 1), DAYBOOK_LATENCY_CONTENDERS (e.g. `data`),
// DAYBOOK_LATENCY_NODE_ARGS (node options of the alert process, e.g. --cpu-prof), DAYBOOK_ALERT_SOURCE,
// DAYBOOK_LATENCY_VERBOSE=1 (each burst's latencies on stderr).
import { spawn, fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchSource, ruleList, workingCopy } from './alert.bench.js';
import type { BotStopped, BurstDone } from './alert-latency-bot.js';

const RATE = Number(process.env.DAYBOOK_LATENCY_RATE ?? 10_000);
const BURSTS = Number(process.env.DAYBOOK_LATENCY_BURSTS ?? 20);
const RUNS = Number(process.env.DAYBOOK_LATENCY_RUNS ?? 1);
const BASELINE = process.env.DAYBOOK_LATENCY_BASELINE;
const SEED = Number(process.env.DAYBOOK_LATENCY_SEED ?? 1);
/** Node options of the alert process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (where its time goes). */
const NODE_ARGS = (process.env.DAYBOOK_LATENCY_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
const ONLY = process.env.DAYBOOK_LATENCY_CONTENDERS?.split(',');
const BURST_ERRORS = 2000;
/** Between two bursts: every alert of the first resolved (32 s window + a 15 s tick + slack), plus a jitter so that bursts fall at every phase of the 15 s ticks. */
const GAP_MS = 50_000;
const JITTER_MS = 15_000;
/**
 * After the cold first evaluation, before the first burst: longer than the bursts' longest
 * window (32 s), so that the background errors fill it. With 5 s, the first burst met a window
 * holding ~560 of its 1,600 background errors: BurstErrorsHeld began to hold only ~9 s later,
 * when the background made up the difference, and that burst's latency was measured from the
 * wrong event (8.5-9 s "late" in every run, the alert firing 5.0 s after it went pending).
 */
const WARM_MS = 35_000;
const RULES = { BurstErrors: 0, BurstErrorsHeld: 5_000 } as const;
type BurstRule = keyof typeof RULES;

const here = fileURLToPath(new URL('.', import.meta.url));
const BIN = join(here, '../../packages/cli/dist/bin.js');
const CLK_TCK = 100;

interface Contender { name: 'data' | 'interval'; bin: string; minInterval: string | undefined }

interface RunResult {
  contender: string;
  latencies: Record<BurstRule, number[]>;
  missed: Record<BurstRule, number>;
  cpuShare: number;
  botCpuShare: number;
  evaluationsPerMinute: number;
  rate: number;
  /** How long logging a burst took (median): the latency is from its last call. */
  burstMs: number;
  load: [number, number];
}

/** utime + stime of a process, in ms. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}

/** A seeded sequence in [0, 1) (the same bursts' instants for every contender). */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Nearest-rank percentile (with fewer than 100 samples, p99 is the largest). */
function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(p * s.length) - 1)]!;
}
const median = (xs: readonly number[]) => percentile(xs, 0.5);

function rulesFile(path: string, url: string, c: Contender): void {
  writeFileSync(path, JSON.stringify({
    evaluation_interval: '15s',
    ...(c.minInterval === undefined ? {} : { min_interval: c.minInterval }),
    rules: [
      ...ruleList(),
      { name: 'BurstErrors', kind: 'error_count', window: '20s', threshold: 2000 },
      { name: 'BurstErrorsHeld', kind: 'error_count', window: '32s', threshold: 3000, for: '5s' },
    ],
    receivers: [{ name: 'bench', webhook: { url, format: 'alertmanager' } }],
    route: { group_by: ['alertname'], group_wait: '0s', group_interval: '1s', repeat_interval: '4h' },
  }, null, 2));
}

/** The receiver: per burst rule, the instants firing notifications arrived. */
async function receiver(): Promise<{ url: string; firing: Record<BurstRule, number[]>; reset(): void; close(): Promise<void> }> {
  const firing: Record<BurstRule, number[]> = { BurstErrors: [], BurstErrorsHeld: [] };
  const server = createServer((req, res) => {
    const at = Date.now();
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.end('ok');
      const n = JSON.parse(body) as { alerts: { status: string; labels: Record<string, string> }[] };
      for (const a of n.alerts) {
        const name = a.labels.alertname as BurstRule;
        if (a.status === 'firing' && name in RULES) firing[name].push(at);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    firing,
    reset: () => { firing.BurstErrors = []; firing.BurstErrorsHeld = []; },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Resolves with the next message of `child` that `pick` accepts. */
function message<T>(child: ChildProcess, pick: (m: any) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const exit = (code: number | null) => reject(new Error(`the bot exited (${code})`));
    const on = (m: unknown) => {
      if (!pick(m)) return;
      child.off('message', on);
      child.off('exit', exit);
      resolve(m as T);
    };
    child.on('message', on);
    child.once('exit', exit);
  });
}

async function runOnce(source: string, c: Contender, hook: Awaited<ReturnType<typeof receiver>>): Promise<RunResult> {
  const dir = '.bench-data/alert-latency';
  workingCopy(source, dir);
  const rules = '.bench-data/alert-latency.rules.json';
  rulesFile(rules, hook.url, c);
  hook.reset();
  const load0 = loadavg()[0]!;
  const bot = fork(join(here, 'alert-latency-bot.js'), [dir, String(RATE)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await message(bot, (m) => m.ready === true);
  const alert = spawn(process.execPath, [...NODE_ARGS, c.bin, 'alert', '--dir', dir, '--rules', rules, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let evaluations = 0;
  let stderr = '';
  let firstEvaluation: () => void = () => undefined;
  const first = new Promise<void>((r) => (firstEvaluation = r));
  let partial = '';
  alert.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    for (const l of lines) if (l.startsWith('{')) {
      evaluations++;
      firstEvaluation();
    }
  });
  alert.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await Promise.race([first, once(alert, 'exit').then(() => { throw new Error(`daybook alert exited: ${stderr}`); })]);
  await sleep(WARM_MS);
  const t0 = Date.now();
  const cpu0 = cpuMs(alert.pid!);
  const bot0 = cpuMs(bot.pid!);
  const evals0 = evaluations;
  const next = random(SEED);
  const bursts: number[] = [];
  const burstMs: number[] = [];
  let at = Date.now();
  for (let i = 0; i < BURSTS; i++) {
    at += (i === 0 ? 0 : GAP_MS) + next() * JITTER_MS;
    await sleep(at - Date.now());
    const done = message<BurstDone>(bot, (m) => m.burst === i);
    bot.send({ burst: i, errors: BURST_ERRORS });
    const b = await done;
    bursts.push(b.at);
    burstMs.push(b.at - b.firstAt);
  }
  // The last burst's alerts fire (and resolve) meanwhile.
  await sleep(GAP_MS);
  const t1 = Date.now();
  const cpu1 = cpuMs(alert.pid!);
  const bot1 = cpuMs(bot.pid!);
  const evals1 = evaluations;
  alert.kill('SIGTERM');
  await once(alert, 'exit');
  const stopped = message<BotStopped>(bot, (m) => m.stopped === true);
  bot.send({ stop: true });
  const end = await stopped;
  // Each burst's latency: the first firing notification after it and before the next burst.
  const latencies = { BurstErrors: [] as number[], BurstErrorsHeld: [] as number[] };
  const missed = { BurstErrors: 0, BurstErrorsHeld: 0 };
  for (const rule of Object.keys(RULES) as BurstRule[]) {
    bursts.forEach((t, i) => {
      const end = bursts[i + 1] ?? Infinity;
      const got = hook.firing[rule].find((x) => x >= t && x < end);
      if (got === undefined) missed[rule]++;
      else latencies[rule].push(got - t - RULES[rule]);
    });
  }
  rmSync(dir, { recursive: true, force: true });
  return {
    contender: c.name, latencies, missed,
    cpuShare: (cpu1 - cpu0) / (t1 - t0), botCpuShare: (bot1 - bot0) / (t1 - t0),
    evaluationsPerMinute: ((evals1 - evals0) * 60_000) / (t1 - t0),
    rate: end.logged / end.seconds,
    burstMs: median(burstMs),
    load: [load0, loadavg()[0]!],
  };
}

const ms = (x: number) => (Number.isNaN(x) ? '-' : `${(x / 1000).toFixed(2)} s`);
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const pad = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(10) : c.padStart(14))).join('');

export async function main(): Promise<void> {
  const source = await benchSource();
  const contenders = ([
    { name: 'data', bin: BIN, minInterval: '1s' },
    BASELINE === undefined ? { name: 'interval', bin: BIN, minInterval: '15s' } : { name: 'interval', bin: BASELINE, minInterval: undefined },
  ] satisfies Contender[]).filter((c) => ONLY === undefined || ONLY.includes(c.name));
  process.stdout.write(`${RATE} events/s into a copy of ${source}; ${ruleList().length + 2} rules; ${BURSTS} bursts of ${BURST_ERRORS} errors per run, ${GAP_MS / 1000}-${(GAP_MS + JITTER_MS) / 1000} s apart; ${RUNS} run(s) per contender, alternating\n`);
  process.stdout.write(`interval contender: ${BASELINE === undefined ? 'this tree, min_interval = evaluation_interval = 15s' : `${BASELINE} (the loop before the schedule)`}\n`);
  process.stdout.write(`load average at start: ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores\n\n`);
  const hook = await receiver();
  const results: RunResult[] = [];
  process.stdout.write(pad(['run', 'p50 for 0s', 'p99 for 0s', 'p50 for 5s', 'p99 for 5s', 'missed', 'CPU alert', 'CPU bot', 'evals/min', 'events/s', 'burst ms', 'load']) + '\n');
  try {
    for (let r = 0; r < RUNS; r++) {
      for (const c of r % 2 === 0 ? contenders : [...contenders].reverse()) {
        const x = await runOnce(source, c, hook);
        results.push(x);
        if (process.env.DAYBOOK_LATENCY_VERBOSE === '1') process.stderr.write(`${x.contender} per burst, s: ${(Object.keys(RULES) as BurstRule[]).map((r) => `${r} ${x.latencies[r].map((l) => (l / 1000).toFixed(2)).join(' ')}`).join('; ')}\n`);
        process.stdout.write(pad([x.contender, ms(median(x.latencies.BurstErrors)), ms(percentile(x.latencies.BurstErrors, 0.99)), ms(median(x.latencies.BurstErrorsHeld)), ms(percentile(x.latencies.BurstErrorsHeld, 0.99)),
          `${x.missed.BurstErrors}+${x.missed.BurstErrorsHeld}/${2 * BURSTS}`, pct(x.cpuShare), pct(x.botCpuShare), x.evaluationsPerMinute.toFixed(1), x.rate.toFixed(0), x.burstMs.toFixed(0), `${x.load[0].toFixed(1)}-${x.load[1].toFixed(1)}`]) + '\n');
      }
    }
  } finally {
    await hook.close();
  }
  // Every run's bursts pooled per contender; CPU: median and range of the runs.
  const pooled = (name: string) => {
    const rs = results.filter((x) => x.contender === name);
    const all = (rule: BurstRule) => rs.flatMap((x) => x.latencies[rule]);
    const cpu = rs.map((x) => x.cpuShare);
    return { p50: median(all('BurstErrors')), p99: percentile(all('BurstErrors'), 0.99), p50h: median(all('BurstErrorsHeld')), p99h: percentile(all('BurstErrorsHeld'), 0.99), cpu: median(cpu), lo: Math.min(...cpu), hi: Math.max(...cpu), n: all('BurstErrors').length + all('BurstErrorsHeld').length };
  };
  const d = pooled('data');
  const i = pooled('interval');
  process.stdout.write(`\npooled over the runs (${d.n} and ${i.n} notifications); CPU: median [range] of the runs\n`);
  process.stdout.write(pad(['', 'p50 for 0s', 'p99 for 0s', 'p50 for 5s', 'p99 for 5s', 'CPU alert']) + '\n');
  // A contender left out (DAYBOOK_LATENCY_CONTENDERS) has no row.
  for (const [name, x] of [['data', d], ['interval', i]] as const) if (results.some((r) => r.contender === name)) process.stdout.write(pad([name, ms(x.p50), ms(x.p99), ms(x.p50h), ms(x.p99h), `  ${pct(x.cpu)} [${pct(x.lo)}-${pct(x.hi)}]`]) + '\n');
  const ratio = (a: number, b: number) => (b === 0 || Number.isNaN(a) || Number.isNaN(b) ? '-' : `${(a / b).toFixed(2)}x`);
  process.stdout.write(pad(['data/int.', ratio(d.p50, i.p50), ratio(d.p99, i.p99), ratio(d.p50h, i.p50h), ratio(d.p99h, i.p99h), ratio(d.cpu, i.cpu)]) + '\n');
  process.stdout.write('\nlatency: from the burst\'s last log call to the webhook receiving the firing notification, minus the rule\'s `for`\n');
}

if (process.argv[1]?.endsWith('alert-latency.bench.js')) await main();
