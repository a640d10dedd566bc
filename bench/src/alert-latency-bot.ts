// The bot of `npm run bench -- alert-latency`, a process of its own (forked with an IPC
// channel): logs RATE events/s at wall-clock pace into DIR with a real AuditLogger (the traffic
// of alert.bench.ts: API calls, an error every 200 events, a trade every 50), and on the
// parent's `{ burst, errors }` logs that many errors at once and answers with the instant of
// the burst's last log call (the event that makes the bench's rules hold). `stop`: closes the
// logger and answers with what it logged.
//
//   node alert-latency-bot.js DIR RATE
import { AuditLogger } from '@daybook/core';
import { BOT_LOGGER, logTraffic } from './alert.bench.js';

export interface BurstDone { burst: number; firstAt: number; at: number }
export interface BotStopped { stopped: true; logged: number; seconds: number }

const [dir, rateText] = process.argv.slice(2);
const RATE = Number(rateText);
if (dir === undefined || !(RATE > 0) || process.send === undefined) throw new Error('usage: node alert-latency-bot.js DIR RATE (forked, with an IPC channel)');
const send = process.send.bind(process);

const audit = new AuditLogger({ ...BOT_LOGGER, logDir: dir, sessionId: 'bench_alert_latency' });
const t0 = Date.now();
let logged = 0;
// Every 10 ms, what the pace owes since t0; behind (a loaded machine), it catches up by at most
// 100 ms of traffic a tick, so that the error count of a window never jumps with a catch-up.
const tick = setInterval(() => {
  const due = Math.floor(((Date.now() - t0) * RATE) / 1000);
  const end = Math.min(due, logged + RATE / 10);
  while (logged < end) logTraffic(audit, ++logged);
}, 10);

process.on('message', (m: { burst?: number; errors?: number; stop?: boolean }) => {
  if (m.stop === true) {
    clearInterval(tick);
    void audit.close().then(() => {
      send({ stopped: true, logged, seconds: (Date.now() - t0) / 1000 } satisfies BotStopped);
      process.disconnect();
    });
    return;
  }
  if (m.burst === undefined || m.errors === undefined) return;
  const firstAt = Date.now();
  for (let i = 0; i < m.errors; i++) void audit.logError('Order rejected: broker returned 503', 'alpaca_client');
  send({ burst: m.burst, firstAt, at: Date.now() } satisfies BurstDone);
});
send({ ready: true });
