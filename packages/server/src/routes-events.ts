import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerContext } from './context.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { ServerError } from './errors.js';
import { levelCode, typeCode, type EventFilter, type Position } from './event-index.js';
import { endOf, Follower } from './follow.js';
import { rangeOf } from './range.js';
import { EVENTS_QUERY, LIST_PARAMS, splitList, STREAM_QUERY } from './schemas.js';
import { refuseFleetFilter, type FleetEventQuery, type FleetEvents, type FleetFilter } from './fleet.js';
import { fleetStream } from './fleet-stream.js';

interface FilterQuery extends FleetFilter {
  start_date?: string;
  end_date?: string;
  event_types?: string[];
  level?: string;
  symbol?: string[];
  session?: string[];
}
interface EventsQuery extends FilterQuery {
  limit: number;
  order: 'asc' | 'desc';
  cursor?: string;
}
interface StreamQuery extends FilterQuery {
  last_event_id?: string;
}

/** Repeated or comma-separated list parameters become arrays before validation. */
async function splitLists(request: FastifyRequest): Promise<void> {
  const q = request.query as Record<string, unknown>;
  for (const p of LIST_PARAMS) if (q[p] !== undefined) q[p] = splitList(q[p]);
}

function filterOf(q: FilterQuery): EventFilter {
  const range = rangeOf(q.start_date, q.end_date);
  return {
    ...range,
    types: q.event_types === undefined || q.event_types.length === 0 ? undefined : new Set(q.event_types.map(typeCode)),
    minLevel: q.level === undefined ? undefined : levelCode(q.level),
    symbols: q.symbol,
    sessions: q.session,
  };
}

/** The fleet's query of the same parameters (a server reading a fleet: daybook serve --clickhouse). */
function fleetQueryOf(q: FilterQuery): FleetEventQuery {
  const none = (xs: string[] | undefined) => (xs === undefined || xs.length === 0 ? undefined : xs);
  return { range: rangeOf(q.start_date, q.end_date), bot: q.bot, host: q.host, types: none(q.event_types), minLevel: q.level, symbols: none(q.symbol), sessions: none(q.session) };
}

/** The fleet's events when the server reads a fleet that has them; else undefined (bot and host are then a bad request). */
export function fleetEventsOf(ctx: ServerContext, q: FleetFilter): FleetEvents | undefined {
  if (ctx.fleet?.events !== undefined) return ctx.fleet.events;
  refuseFleetFilter(q);
  return undefined;
}

/** A cursor of the fleet's, or a 400. */
function fleetCursor(events: FleetEvents, text: string | undefined, field: string): string | undefined {
  if (text !== undefined && !events.isCursor(text)) throw new ServerError('DAYBOOK_E_SERVER_BAD_CURSOR', `${field} is not a cursor this server issued`, { field });
  return text;
}

const key = (q: FilterQuery): string => JSON.stringify([q.start_date, q.end_date, q.event_types, q.level, q.symbol, q.session]);

export function eventRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Querystring: EventsQuery }>('/audit/events', {
    preValidation: splitLists,
    schema: { tags: ['events'], summary: 'Events of the audit log, filtered, newest first (or oldest first with order=asc), one page at a time: pass next_cursor back as cursor', querystring: EVENTS_QUERY },
  }, async (request, reply) => {
    const q = request.query;
    const fleet = fleetEventsOf(ctx, q);
    if (fleet !== undefined) {
      // Per request, not cached: the fleet changes without the local files changing.
      const page = await fleet.page(fleetQueryOf(q), q.limit, q.order, fleetCursor(fleet, q.cursor, 'cursor'));
      return reply.type('application/json; charset=utf-8').send({ events: page.events, count: page.events.length, next_cursor: page.next_cursor });
    }
    const filter = filterOf(q);
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, 'cursor');
    const body = await ctx.cache.get(`/audit/events|${key(q)}|${q.limit}|${q.order}|${q.cursor ?? ''}`, async () => {
      await ctx.index.refresh();
      const { rows, more } = ctx.index.query(filter, q.limit, q.order, after);
      const read = await ctx.index.read(rows);
      const last = rows.at(-1);
      return { events: read.map((r) => r.event), count: read.length, next_cursor: more && last !== undefined ? encodeCursor(last) : null };
    });
    return reply.type('application/json; charset=utf-8').send(body);
  });

  app.get<{ Querystring: StreamQuery }>('/audit/stream', {
    preValidation: splitLists,
    schema: { tags: ['events'], summary: 'Server-Sent Events: each new event as it is written, filtered like /audit/events; resumes after the Last-Event-ID header (or last_event_id)', querystring: STREAM_QUERY },
  }, async (request, reply) => {
    const q = request.query;
    const header = request.headers['last-event-id'];
    const resume = typeof header === 'string' && header !== '' ? header : q.last_event_id;
    const fleet = fleetEventsOf(ctx, q);
    if (fleet !== undefined) return fleetStream(ctx, request, reply, fleet, fleetQueryOf(q), fleetCursor(fleet, resume, resume === header ? 'Last-Event-ID' : 'last_event_id'));
    const filter = filterOf(q);
    let pos: Position | undefined = resume === undefined ? undefined : decodeCursor(resume, resume === header ? 'Last-Event-ID' : 'last_event_id');
    // Admission is counted here, before the first await: a burst right after start (the
    // tail index's first refresh takes a while) must not all pass a check of open streams.
    if (ctx.streamSlots.taken >= ctx.maxStreams) throw new ServerError('DAYBOOK_E_SERVER_STREAM_LIMIT', `${ctx.maxStreams} live streams are open`);
    ctx.streamSlots.taken++;
    let held = true;
    const release = (): void => {
      if (held) ctx.streamSlots.taken--;
      held = false;
    };
    // A new stream (and one resumed from it) follows the tail index: connecting costs no read
    // of the history. Only a resume from elsewhere (an older server, an /audit/events cursor)
    // needs the full index.
    const index = pos === undefined || ctx.tail.owns(pos) ? ctx.tail : ctx.index;
    try {
      await index.refresh();
    } catch (e) {
      release();
      throw e;
    }
    pos ??= endOf(index);

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n\n');
    const drained = () => new Promise<void>((resolve) => {
      res.once('drain', resolve);
      res.once('close', resolve);
    });
    const follower = new Follower(index, filter, pos, async (position, event) => {
      if (!res.write(`id: ${encodeCursor(position)}\ndata: ${JSON.stringify(event)}\n\n`)) await drained();
    }, (err) => request.log.warn({ err }, 'live stream refresh failed'));
    const pump = () => void follower.pump();
    const unsubscribe = ctx.monitor.onChange(pump);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), ctx.heartbeatMs);
    heartbeat.unref();
    const end = (): void => {
      if (follower.stopped) return;
      follower.stopped = true;
      unsubscribe();
      clearInterval(heartbeat);
      ctx.streams.delete(end);
      release();
      res.end();
    };
    ctx.streams.add(end);
    res.on('close', end);
    // The client left while the index refreshed: 'close' was already emitted.
    if (res.destroyed || res.socket === null || res.socket.destroyed) return end();
    pump(); // catch up after Last-Event-ID (or anything written since the refresh above)
  });
}
