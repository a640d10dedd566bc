// `npm run bench -- notify`: does a bad receiver delay the evaluation or the other receivers?
// 50 rules x 20 bots (1,000 firing alerts, 50 groups per receiver, group_wait 0), two
// receivers on loopback: a good one, and beside it a second good one (the baseline), one
// that never answers (timeout 2 s, 3 attempts) or a closed port. Measured, side by side as
// ratios to the baseline:
//   update()  its duration per evaluation (40 evaluations 50 ms apart, values changing as
//             the evaluator hands them; a new value alone writes no notifications.json, the
//             first evaluation and each notification told do): p50 and p99;
//   told      ms from the first update until the good receiver has all 50 notifications.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDispatcher, fingerprint, type Alert, type AlertAudit, type Receiver } from '@daybook/alert';

const RULES = 50;
const BOTS = 20;
const EVALUATIONS = 40;

async function server(answer: boolean): Promise<{ url: string; count: () => number; close: () => Promise<void>; s: Server }> {
  let n = 0;
  const s = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      n++;
      if (answer) res.end('ok');
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/`, count: () => n, s, close: () => new Promise((r) => { s.closeAllConnections(); s.close(() => r()); }) };
}

function alerts(evaluation: number): Alert[] {
  const out: Alert[] = [];
  for (let r = 0; r < RULES; r++) {
    for (let b = 0; b < BOTS; b++) {
      const labels = { alertname: `Rule${r}`, bot: `bot${b}`, severity: 'critical' };
      const value = 11 + evaluation;
      out.push({
        name: `Rule${r}`, state: 'firing', value, threshold: 10, labels, annotations: { summary: `${value} errors in the last hour` },
        since: new Date(Date.now() - 60_000).toISOString(), activeAt: new Date(Date.now() - 60_000).toISOString(), resolvedAt: null, fingerprint: fingerprint(labels),
      });
    }
  }
  return out;
}

const audit: AlertAudit = { firing: () => {}, resolved: () => {}, notification: () => {}, silence: () => {} };
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function scenario(name: string, second: string): Promise<{ name: string; p50: number; p99: number; told: number }> {
  const good = await server(true);
  const dir = mkdtempSync(join(tmpdir(), 'daybook-bench-notify-'));
  const receiver = (n: string, url: string): Receiver => ({ name: n, url, format: 'alertmanager', timeoutMs: 2000, maxAttempts: 3, maxPerMinute: 0, sendResolved: true });
  const d = createDispatcher({
    receivers: [receiver('good', good.url), receiver('second', second)], route: { groupBy: ['alertname'], groupWait: 0, groupInterval: 1000, repeatInterval: 3600_000 },
    silences: { silencing: () => undefined }, audit, stateDir: dir, warn: () => {},
  });
  const durations: number[] = [];
  const t0 = performance.now();
  let told = NaN;
  for (let e = 0; e < EVALUATIONS; e++) {
    const batch = alerts(e);
    const t = performance.now();
    d.update(batch, Date.now());
    durations.push(performance.now() - t);
    if (Number.isNaN(told) && good.count() >= RULES) told = performance.now() - t0;
    await sleep(50);
  }
  while (good.count() < RULES) await sleep(5);
  if (Number.isNaN(told)) told = performance.now() - t0;
  await d.close();
  await good.close();
  rmSync(dir, { recursive: true, force: true });
  return { name, p50: pct(durations, 50), p99: pct(durations, 99), told };
}

export async function main(): Promise<void> {
  const twin = await server(true);
  const hang = await server(false);
  const closed = await server(true);
  const closedUrl = closed.url;
  await closed.close();
  const rows = [await scenario('good + good (baseline)', twin.url), await scenario('good + hanging', hang.url), await scenario('good + closed port', closedUrl)];
  await twin.close();
  await hang.close();
  const base = rows[0]!;
  const f = (x: number) => x.toFixed(2).padStart(8);
  process.stdout.write(`${RULES * BOTS} firing alerts, ${RULES} groups per receiver, ${EVALUATIONS} evaluations\n\n`);
  process.stdout.write('scenario                 update p50 ms  ratio  update p99 ms  ratio  good told all ms  ratio\n');
  for (const r of rows) {
    process.stdout.write(`${r.name.padEnd(24)} ${f(r.p50)}      ${(r.p50 / base.p50).toFixed(2)}  ${f(r.p99)}      ${(r.p99 / base.p99).toFixed(2)}  ${f(r.told)}          ${(r.told / base.told).toFixed(2)}\n`);
  }
}
