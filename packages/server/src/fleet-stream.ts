import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerContext } from './context.js';
import { ServerError } from './errors.js';
import type { FleetEventQuery, FleetEvents, FleetFollower } from './fleet.js';

// /audit/stream over a fleet (daybook serve --clickhouse): no file to watch, so the stream
// polls the fleet's follower every `pollMs` (default 1 s: the shipper inserts about once a
// second, so polling faster mostly finds nothing) and writes what is new. One poll at a time
// per stream; a write the client does not take yet holds the next poll (backpressure). A
// failed poll (ClickHouse down) is logged and retried at the next tick; the stream stays open.

export async function fleetStream(ctx: ServerContext, request: FastifyRequest, reply: FastifyReply, events: FleetEvents, q: FleetEventQuery, resume: string | undefined): Promise<void> {
  if (ctx.streamSlots.taken >= ctx.maxStreams) throw new ServerError('DAYBOOK_E_SERVER_STREAM_LIMIT', `${ctx.maxStreams} live streams are open`);
  ctx.streamSlots.taken++;
  let follower: FleetFollower;
  try {
    follower = await events.follow(q, resume);
  } catch (e) {
    ctx.streamSlots.taken--;
    throw e;
  }
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write('retry: 2000\n\n');
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const drained = () => new Promise<void>((resolve) => {
    res.once('drain', resolve);
    res.once('close', resolve);
  });
  const poll = async (): Promise<void> => {
    try {
      for (let more = true; more && !stopped;) {
        const batch = await follower.next(500);
        for (const { id, event } of batch) {
          if (stopped) return;
          if (!res.write(`id: ${id}\ndata: ${JSON.stringify(event)}\n\n`)) await drained();
        }
        more = batch.length === 500;
      }
    } catch (err) {
      request.log.warn({ err }, 'live stream poll of the fleet failed');
    }
    if (!stopped) timer = setTimeout(() => void poll(), ctx.fleet?.pollMs ?? 1000);
  };
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), ctx.heartbeatMs);
  heartbeat.unref();
  const end = (): void => {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    clearInterval(heartbeat);
    ctx.streams.delete(end);
    ctx.streamSlots.taken--;
    res.end();
  };
  ctx.streams.add(end);
  res.on('close', end);
  if (res.destroyed || res.socket === null || res.socket.destroyed) return end();
  void poll();
}
