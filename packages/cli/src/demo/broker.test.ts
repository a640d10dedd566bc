import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BrokerClient, BrokerError, httpTransport, type Transport } from './broker-client.js';
import { brokerOutcome, fillPrice, REQUEST_ID, startBroker } from './broker.js';

/** The first request id (of the form prefix-n) whose outcome matches. */
function idWhere(seed: number, want: (o: ReturnType<typeof brokerOutcome>) => boolean): string {
  for (let n = 0; ; n++) if (want(brokerOutcome(seed, `t-${n}`))) return `t-${n}`;
}

describe('broker', () => {
  it('the outcome of a request depends on the seed and its id only', () => {
    assert.deepEqual(brokerOutcome(1, 'a-1.1'), brokerOutcome(1, 'a-1.1'));
    assert.notDeepEqual(brokerOutcome(1, 'a-1.1'), brokerOutcome(2, 'a-1.1'));
  });

  it('latency has a long tail; a few requests are rate limited or fail', () => {
    const outcomes = Array.from({ length: 20_000 }, (_, i) => brokerOutcome(5, `r-${i}`));
    const latencies = outcomes.map((o) => o.latencyMs).sort((a, b) => a - b);
    const p50 = latencies[latencies.length / 2]!;
    const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
    assert.ok(p50 > 20 && p50 < 60, `p50 ${p50}`);
    assert.ok(p99 > 5 * p50, `p99 ${p99} vs p50 ${p50}`);
    const share = (s: (n: number) => boolean): number => outcomes.filter((o) => s(o.status)).length / outcomes.length;
    assert.ok(Math.abs(share((s) => s === 429) - 0.025) < 0.006);
    assert.ok(Math.abs(share((s) => s >= 500) - 0.015) < 0.005);
  });

  it('fills carry slippage against the trader', () => {
    assert.ok(fillPrice(100, 'buy', 2) > 100);
    assert.ok(fillPrice(100, 'sell', 2) < 100);
  });

  it('the HTTP broker answers orders, and 429s with retry-after', async () => {
    const broker = await startBroker(3);
    try {
      const ok = idWhere(3, (o) => o.status === 200 && o.latencyMs < 100);
      const res = await fetch(`${broker.url}/v2/orders`, { method: 'POST', headers: { [REQUEST_ID]: ok }, body: JSON.stringify({ symbol: 'AAPL', side: 'buy', qty: 10, ref_price: 190, client_order_id: ok }) });
      assert.equal(res.status, 200);
      const fill = (await res.json()) as { filled_qty: number; filled_avg_price: number };
      assert.equal(fill.filled_qty, 10);
      assert.equal(fill.filled_avg_price, fillPrice(190, 'buy', brokerOutcome(3, ok).slippageBps));
      const positions = await fetch(`${broker.url}/v2/positions`, { headers: { [REQUEST_ID]: ok } });
      assert.deepEqual(await positions.json(), [{ symbol: 'AAPL', qty: 10 }]);
      const limited = idWhere(3, (o) => o.status === 429 && o.latencyMs < 100);
      const r429 = await fetch(`${broker.url}/v2/account`, { headers: { [REQUEST_ID]: limited } });
      assert.equal(r429.status, 429);
      assert.equal(r429.headers.get('retry-after'), '1');
      await r429.body?.cancel();
    } finally {
      await broker.close();
    }
  });

  it('the client retries 429 and 5xx, then throws a BrokerError with a stack', async () => {
    const script = (statuses: number[]): Transport & { sent: string[] } => {
      const sent: string[] = [];
      return { sent, send: async (_m, _p, _t, id) => (sent.push(id), { status: statuses.shift() ?? 200, json: { id: 'ord_1' } }), backoff: async () => {} };
    };
    const flaky = script([429, 503]);
    assert.deepEqual(await new BrokerClient(flaky, 'x').getAccount(), { id: 'ord_1' });
    assert.deepEqual(flaky.sent, ['x-1.1', 'x-1.2', 'x-1.3']);
    const down = script([500, 502, 503]);
    await assert.rejects(new BrokerClient(down, 'y').cancelOrder('ord_9'), (e: unknown) => e instanceof BrokerError && e.status === 503 && e.endpoint === '/v2/orders/:id' && e.stack!.includes('BrokerError'));
    const rejected = script([422]);
    await assert.rejects(new BrokerClient(rejected, 'z').getPositions(), BrokerError);
    assert.equal(rejected.sent.length, 1, 'a 4xx other than 429 is not retried');
  });

  it('over HTTP, the same request ids get the same answers', async () => {
    const broker = await startBroker(11);
    try {
      const statuses = async (): Promise<number[]> => {
        const t = httpTransport(broker.url, fetch);
        const out: number[] = [];
        for (let i = 0; i < 15; i++) out.push((await t.send('GET', '/v2/clock', '/v2/clock', `c-${i}`)).status);
        return out;
      };
      const expected = Array.from({ length: 15 }, (_, i) => brokerOutcome(11, `c-${i}`).status);
      assert.deepEqual(await statuses(), expected);
    } finally {
      await broker.close();
    }
  });
});
