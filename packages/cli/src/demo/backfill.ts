import { AuditLogger } from '@daybook/core';
import { BrokerClient, simulatedTransport } from './broker-client.js';
import { DayBot, type DaySummary } from './daybot.js';
import { SESSION_MINUTES } from './market.js';

/** The regular US session in UTC (09:30-16:00 New York, standard time). */
const OPEN_UTC_MINUTES = 14 * 60 + 30;
const DAY_MS = 86_400_000;

/** The `days` weekdays before `now`'s UTC day, oldest first, as YYYY-MM-DD. */
export function tradingDays(now: number, days: number): string[] {
  const out: string[] = [];
  let t = Math.floor(now / DAY_MS) * DAY_MS;
  while (out.length < days) {
    t -= DAY_MS;
    const weekday = new Date(t).getUTCDay();
    if (weekday !== 0 && weekday !== 6) out.unshift(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** Simulated time that only moves forward, as the audit logger's `clock` requires. */
export class SimClock {
  constructor(public now: number) {}
  /** Moves to `t`, unless time is already past it. */
  to(t: number): void {
    if (t > this.now) this.now = t;
  }
  advance(ms: number): void {
    this.now += Math.ceil(ms);
  }
}

export interface BackfillOptions {
  dir: string;
  seed: number;
  /** The bot's market and random stream continue in the live run afterwards. */
  makeBot: (audit: AuditLogger, broker: BrokerClient) => DayBot;
  days: readonly string[];
}

/**
 * History written as fast as the disk allows: one audit logger per past trading day (a
 * session, as a bot restarted each morning would have), its clock moved minute by minute
 * through the session, and the broker's answers simulated without a socket.
 */
export async function backfill(o: BackfillOptions): Promise<{ summaries: DaySummary[]; bot: DayBot | undefined }> {
  const summaries: DaySummary[] = [];
  let bot: DayBot | undefined;
  for (const date of o.days) {
    const open = Date.parse(`${date}T00:00:00Z`) + OPEN_UTC_MINUTES * 60_000;
    const clock = new SimClock(open - 5 * 60_000);
    const audit = new AuditLogger({ logDir: o.dir, clock: () => clock.now, sessionId: `daybot_${date.replaceAll('-', '')}_${o.seed}`, environment: 'demo', consoleLevel: false });
    const broker = new BrokerClient(simulatedTransport(o.seed, audit, (ms) => clock.advance(ms)), `daybot-${date}`);
    bot = bot === undefined ? o.makeBot(audit, broker) : bot.reattach(audit, broker);
    clock.to(open);
    await bot.openMarket(date);
    for (let m = 1; m <= SESSION_MINUTES; m++) {
      clock.to(open + m * 60_000);
      await bot.bar();
    }
    summaries.push(await bot.closeMarket());
    clock.advance(5 * 60_000);
    await audit.close();
  }
  return { summaries, bot };
}
