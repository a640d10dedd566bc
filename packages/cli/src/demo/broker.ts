import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRandom, normal, round, seedOf } from './random.js';

/** What the simulated broker does with one request: decided by the seed and the request id only. */
export interface Outcome {
  status: number;
  latencyMs: number;
  /** Fill price slippage, in basis points against the client. */
  slippageBps: number;
}

/** The header that carries the client's idempotency key (one per attempt). */
export const REQUEST_ID = 'x-request-id';

/**
 * Latency is log-normal (median about 35 ms) with a long tail: one request in 40 waits
 * 300-1500 ms. About 2.5 % are rate limited (429) and 1.5 % fail with a 5xx.
 */
export function brokerOutcome(seed: number, requestId: string): Outcome {
  const random = createRandom(seedOf(seed, 'broker', requestId));
  let latencyMs = Math.exp(Math.log(35) + 0.45 * normal(random));
  if (random() < 0.025) latencyMs = 300 + random() * 1200;
  const roll = random();
  const status = roll < 0.025 ? 429 : roll < 0.03 ? 500 : roll < 0.035 ? 502 : roll < 0.04 ? 503 : 200;
  return { status, latencyMs: Math.round(latencyMs * 10) / 10, slippageBps: Math.abs(normal(random)) * 1.5 };
}

/** Applies slippage against the side that trades. */
export function fillPrice(reference: number, side: string, slippageBps: number): number {
  const sign = side === 'buy' ? 1 : -1;
  return round(reference * (1 + (sign * slippageBps) / 10_000));
}

export interface OrderRequest {
  symbol: string;
  side: 'buy' | 'sell';
  qty: number;
  /** The price the client saw; the fill is this plus slippage. */
  ref_price: number;
  client_order_id: string;
}

export interface OrderFill {
  id: string;
  client_order_id: string;
  symbol: string;
  side: string;
  filled_qty: number;
  filled_avg_price: number;
  status: 'filled';
}

export interface BrokerServer {
  url: string;
  close(): Promise<void>;
}

const ERRORS: Readonly<Record<number, string>> = {
  429: 'rate limit exceeded',
  500: 'internal server error',
  502: 'bad gateway: upstream exchange unavailable',
  503: 'service unavailable: order routing paused',
};

/**
 * A broker's REST API on 127.0.0.1 (an ephemeral port): orders, positions, account and
 * market clock, in the shape of Alpaca's v2 API. Each request waits its outcome's latency.
 */
export async function startBroker(seed: number, host = '127.0.0.1'): Promise<BrokerServer> {
  const positions = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let orders = 0;
  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const id = String(req.headers[REQUEST_ID] ?? `${req.method} ${req.url}`);
    const outcome = brokerOutcome(seed, id);
    const timer = setTimeout(() => {
      timers.delete(timer);
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      };
      if (outcome.status !== 200) {
        send(outcome.status, { code: outcome.status, message: ERRORS[outcome.status] }, outcome.status === 429 ? { 'retry-after': '1' } : {});
        return;
      }
      const path = (req.url ?? '/').split('?')[0]!;
      if (req.method === 'POST' && path === '/v2/orders') {
        let order: OrderRequest;
        try {
          order = JSON.parse(body) as OrderRequest;
        } catch {
          send(422, { code: 422, message: 'order body is not JSON' });
          return;
        }
        const price = fillPrice(order.ref_price, order.side, outcome.slippageBps);
        positions.set(order.symbol, (positions.get(order.symbol) ?? 0) + (order.side === 'buy' ? order.qty : -order.qty));
        const fill: OrderFill = { id: `ord_${++orders}`, client_order_id: order.client_order_id, symbol: order.symbol, side: order.side, filled_qty: order.qty, filled_avg_price: price, status: 'filled' };
        send(200, fill);
      } else if (req.method === 'GET' && path === '/v2/positions') {
        send(200, [...positions].filter(([, q]) => q !== 0).map(([symbol, qty]) => ({ symbol, qty })));
      } else if (req.method === 'GET' && path === '/v2/account') {
        send(200, { status: 'ACTIVE', currency: 'USD', trading_blocked: false });
      } else if (req.method === 'GET' && path === '/v2/clock') {
        send(200, { is_open: true });
      } else if (req.method === 'DELETE' && path.startsWith('/v2/orders/')) {
        send(200, { id: path.slice('/v2/orders/'.length), status: 'canceled' });
      } else {
        send(404, { code: 404, message: `no route ${req.method} ${path}` });
      }
    }, outcome.latencyMs);
    timers.add(timer);
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => handle(req, res, body));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
