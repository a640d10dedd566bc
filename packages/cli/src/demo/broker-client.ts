import type { AuditLogger } from '@daybook/core';
import { brokerOutcome, fillPrice, REQUEST_ID, type OrderFill, type OrderRequest } from './broker.js';

/** One HTTP exchange with the broker, however it is carried. */
export interface Transport {
  send(method: string, path: string, template: string, requestId: string, body?: unknown): Promise<{ status: number; json: unknown }>;
  /** Waits before a retry (real time live, simulated time in a backfill). */
  backoff(attempt: number): Promise<void>;
}

/** A request that failed on every attempt; carries a real stack trace for the error log. */
export class BrokerError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly endpoint: string,
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'BrokerError';
  }
}

const MAX_ATTEMPTS = 3;

/**
 * The DayBot's broker client: every request carries an idempotency key made of a counter and
 * the attempt number, so the (seeded) broker answers the same way in every run with the
 * same seed. 429 and 5xx are retried twice.
 */
export class BrokerClient {
  private requests = 0;

  constructor(
    private readonly transport: Transport,
    private readonly prefix: string,
  ) {}

  async submitOrder(order: Omit<OrderRequest, 'client_order_id'>): Promise<OrderFill> {
    const id = this.nextId();
    return (await this.request('POST', '/v2/orders', '/v2/orders', id, { ...order, client_order_id: id })) as OrderFill;
  }

  async getPositions(): Promise<unknown> {
    return this.request('GET', '/v2/positions', '/v2/positions', this.nextId());
  }

  async getAccount(): Promise<unknown> {
    return this.request('GET', '/v2/account', '/v2/account', this.nextId());
  }

  async cancelOrder(orderId: string): Promise<unknown> {
    return this.request('DELETE', `/v2/orders/${orderId}`, '/v2/orders/:id', this.nextId());
  }

  private nextId(): string {
    return `${this.prefix}-${++this.requests}`;
  }

  private async request(method: string, path: string, template: string, id: string, body?: unknown): Promise<unknown> {
    let last = 0;
    let detail = '';
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (attempt > 1) await this.transport.backoff(attempt);
      try {
        const r = await this.transport.send(method, path, template, `${id}.${attempt}`, body);
        if (r.status >= 200 && r.status < 300) return r.json;
        last = r.status;
        detail = String((r.json as { message?: unknown } | undefined)?.message ?? '');
        if (r.status !== 429 && r.status < 500) break;
      } catch (e) {
        last = 0;
        detail = (e as Error).message;
      }
    }
    throw new BrokerError(`${method} ${template} failed after retries: ${last === 0 ? 'no response' : `HTTP ${last}`} ${detail}`.trim(), last, template, MAX_ATTEMPTS);
  }
}

/** Logs one broker exchange the way the server's instrumentFetch does: api_call, rate_limit or api_error. */
function logBrokerCall(audit: AuditLogger, method: string, template: string, status: number, latencyMs: number): void {
  const eventType = status === 429 ? 'rate_limit' : status >= 500 || status === 0 ? 'api_error' : 'api_call';
  const level = eventType === 'api_call' ? 'DEBUG' : eventType === 'rate_limit' ? 'WARNING' : 'ERROR';
  void audit.logApiCall({ endpoint: template, method, statusCode: status, latencyMs, eventType, level, metadata: { direction: 'outbound', host: 'broker.simulated' } });
}

/** Over HTTP with the given fetch (the instrumented one, which logs each call). */
export function httpTransport(baseUrl: string, fetchFn: typeof fetch): Transport {
  return {
    async send(method, path, _template, requestId, body) {
      const res = await fetchFn(baseUrl + path, {
        method,
        headers: { [REQUEST_ID]: requestId, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: await res.json() };
    },
    backoff: (attempt) => new Promise((resolve) => setTimeout(resolve, 25 * attempt)),
  };
}

/**
 * The same broker without a socket, for backfills: the outcome of each request comes from
 * the same function the HTTP broker uses, simulated time moves by its latency, and the call
 * is logged as instrumentFetch would log it.
 */
export function simulatedTransport(seed: number, audit: AuditLogger, advance: (ms: number) => void): Transport {
  let orders = 0;
  return {
    async send(method, path, template, requestId, body) {
      const o = brokerOutcome(seed, requestId);
      advance(o.latencyMs);
      logBrokerCall(audit, method, template, o.status, o.latencyMs);
      if (o.status !== 200) return { status: o.status, json: { code: o.status } };
      if (method === 'POST' && path === '/v2/orders') {
        const order = body as OrderRequest;
        const fill: OrderFill = { id: `ord_${++orders}`, client_order_id: order.client_order_id, symbol: order.symbol, side: order.side, filled_qty: order.qty, filled_avg_price: fillPrice(order.ref_price, order.side, o.slippageBps), status: 'filled' };
        return { status: 200, json: fill };
      }
      return { status: 200, json: {} };
    },
    backoff: async (attempt) => advance(1000 * attempt),
  };
}
