import { appendFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { ev as event, lines } from '../../../analytics/dist/test/helpers.js';

export { tempDir } from '../../../analytics/dist/test/helpers.js';

/** An event as daybook writes it (analytics' test event), a health check unless `fields` say otherwise. */
export const ev = (timestamp: string, fields: Record<string, unknown> = {}): Record<string, unknown> =>
  event({ timestamp, event_type: 'health_check', metadata: { status: 'healthy' }, ...fields });

export const errorEv = (t: string): Record<string, unknown> => ev(t, { level: 'ERROR', event_type: 'system_error', message: 'broker down' });
export const apiEv = (t: string, latency: number): Record<string, unknown> =>
  ev(t, { event_type: 'api_call', component: 'api', latency_ms: latency, metadata: { endpoint: '/orders', method: 'POST', status_code: 200 } });
export const entryEv = (t: string, pos: string): Record<string, unknown> =>
  ev(t, { event_type: 'trade_entry', component: 'trading', symbol: 'AAPL', side: 'BUY', quantity: 1, price: 100, position_id: pos });
export const exitEv = (t: string, pos: string, pnl: number): Record<string, unknown> =>
  ev(t, { event_type: 'trade_exit', component: 'trading', symbol: 'AAPL', side: 'SELL', quantity: 1, price: 100 + pnl, pnl, position_id: pos });
export const riskEv = (t: string): Record<string, unknown> => ev(t, { level: 'WARNING', event_type: 'risk_limit_hit', component: 'risk' });
export const rateEv = (t: string): Record<string, unknown> => ev(t, { level: 'WARNING', event_type: 'rate_limit', component: 'api', metadata: { endpoint: '/orders', method: 'GET', status_code: 429 } });

/** Appends events to `<dir>/audit.log` (unchained lines, as a DayBot's Python logger writes them). */
export function append(dir: string, events: readonly Record<string, unknown>[]): void {
  appendFileSync(join(dir, 'audit.log'), lines(events));
}

export const at = (iso: string): number => Date.parse(iso);

/** A real HTTP receiver on loopback that keeps the JSON bodies it was sent. */
export async function receiver(): Promise<{ url: string; bodies: unknown[]; close: () => Promise<void> }> {
  const { createServer } = await import('node:http');
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/hook`, bodies, close: () => new Promise((r) => server.close(() => r())) };
}

/** A free loopback port, for a server that takes an address rather than reporting a port 0 back (Prometheus, Alertmanager). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
