// A process of `npm run bench -- alert` (forked with an IPC channel): one side of the bench,
// alone in its heap as `daybook alert` is. `writer` appends the bench's simulated traffic
// when asked; `kept`, `indexed` and `noindex` evaluate the 50 rules when asked (alert.bench.ts
// says what each contender is).
//
//   node alert-contender.js writer|kept|indexed|noindex DIR RATE
import { closeAuditLogger, initializeAuditLogger, type AuditLogger } from '@daybook/core';
import { Evaluator, directoryTarget } from '@daybook/alert';
import { BOT_LOGGER, logTraffic, rules } from './alert.bench.js';

export type Contender = 'kept' | 'indexed' | 'noindex';
/** One evaluation: wall ms; cpuMs, the process's CPU since its last answer; inEvaluateMs, within evaluate() alone; the rules' values. */
export interface Evaluated { ms: number; cpuMs: number; inEvaluateMs: number; values: string }

const [role, dir, rateText] = process.argv.slice(2);
const RATE = Number(rateText);
if (dir === undefined || !(RATE > 0) || process.send === undefined) throw new Error('usage: node alert-contender.js writer|kept|indexed|noindex DIR RATE (forked, with an IPC channel)');
const send = process.send.bind(process);
const msOf = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1000;

/** Appends `seconds` of simulated traffic ending at `end` (API calls, some errors, trades). */
async function traffic(end: number, seconds: number, seq: { n: number }): Promise<void> {
  const realNow = Date.now;
  const start = end - seconds * 1000;
  let sim = start;
  Date.now = () => sim;
  let audit: AuditLogger | undefined;
  try {
    audit = initializeAuditLogger({ ...BOT_LOGGER, logDir: dir, sessionId: 'bench_alert', bufferSize: 256 * 1024 * 1024 });
    const n = RATE * seconds;
    for (let i = 0; i < n; i++) {
      // Not `sim += 1000 / RATE`: 150,000 such additions drift ~10 ms past `end`, and the next
      // interval's clock then went back that much (out-of-order lines at every boundary).
      sim = start + ((i + 1) * 1000) / RATE;
      logTraffic(audit, ++seq.n);
    }
  } finally {
    await closeAuditLogger();
    Date.now = realNow;
  }
}

if (role === 'writer') {
  const seq = { n: 0 };
  process.on('message', (m: { end: number; seconds: number; stop?: boolean }) => {
    if (m.stop === true) process.disconnect();
    else void traffic(m.end, m.seconds, seq).then(() => send({ written: seq.n }));
  });
} else {
  const rf = rules();
  const target = (): ReturnType<typeof directoryTarget> => directoryTarget(dir, role === 'noindex' ? { persist: false } : {});
  // The kept contender is `daybook alert`: one Evaluator (one LogAnalyzer) for the process, in a
  // heap made with that command's flags (alert.bench.ts starts it so).
  const kept = role === 'kept' ? (() => { const t = target(); return new Evaluator({ rules: rf, targets: () => [t] }); })() : undefined;
  let last = process.cpuUsage();
  process.on('message', (m: { at: number; stop?: boolean }) => {
    if (m.stop === true) {
      process.disconnect();
      return;
    }
    void (async () => {
      const evaluator = kept ?? new Evaluator({ rules: rf, targets: () => [target()] });
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const e = await evaluator.evaluate(m.at);
      const ms = performance.now() - t0;
      // What the process spent since its last answer: the evaluation, and what it left to do
      // after it (garbage collection on V8's threads), which a timer around evaluate() misses.
      const since = process.cpuUsage(last);
      last = process.cpuUsage();
      if (e.errors.length > 0) throw new Error(JSON.stringify(e.errors[0]));
      send({ ms, cpuMs: msOf(since), inEvaluateMs: msOf(process.cpuUsage(cpu0)), values: JSON.stringify(e.alerts.map((a) => a.value)) } satisfies Evaluated);
    })();
  });
}
send({ ready: true });
