import type { FastifyInstance } from 'fastify';
import type { ServerContext } from './context.js';
import { rangeOf } from './range.js';
import { refuseFleetFilter, type FleetFilter } from './fleet.js';
import { TRADES_QUERY, TRADES_RESPONSE } from './schemas.js';
import { decodeTradeCursor, tradePage } from './trade-page.js';

interface TradesQuery extends FleetFilter {
  start_date?: string;
  end_date?: string;
  open?: boolean;
  symbol?: string;
  strategy?: string;
  limit: number;
  cursor?: string;
}

/** An open trade's age moves with the clock: a cached page is kept for this long at most, changed files or not. */
const AGE_STEP_MS = 60_000;

export function tradeRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Querystring: TradesQuery }>('/audit/trades', {
    schema: {
      tags: ['reports'],
      summary: 'Trades linked from entry to exit (docs/metrics.md "Trades"), newest first, each with its events in order: every trade with an event in the range or open at its end. One page at a time: pass next_cursor back as cursor',
      querystring: TRADES_QUERY,
      response: { 200: TRADES_RESPONSE },
    },
  }, async (request, reply) => {
    const q = request.query;
    rangeOf(q.start_date, q.end_date);
    const after = q.cursor === undefined ? undefined : decodeTradeCursor(q.cursor);
    const filter = [q.start_date, q.end_date, q.open, q.symbol, q.strategy];
    const key = `/audit/trades|${JSON.stringify(filter)}|${q.limit}|${q.cursor ?? ''}|${Math.floor(Date.now() / AGE_STEP_MS)}`;
    const compute = async () => {
      const query = { start: q.start_date, end: q.end_date, open: q.open, symbol: q.symbol, strategy: q.strategy };
      // A fleet's trades (narrowed by bot and host) per request: the fleet changes without the files.
      const list = ctx.fleet === undefined ? await ctx.analyzer.getTrades(query) : await ctx.fleet.analyzer({ bot: q.bot, host: q.host }).getTrades(query);
      const page = tradePage(list.trades, q.limit, after);
      return { trades: page.trades, open_trades: list.open_trades, next_cursor: page.next_cursor, bad_lines: list.bad_lines };
    };
    if (ctx.fleet === undefined) refuseFleetFilter(q);
    const body = ctx.fleet === undefined ? await ctx.cache.get(key, compute) : await compute();
    return reply.type('application/json; charset=utf-8').send(body);
  });
}
