import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import { daybookExpress, daybookExpressErrors, expressHealth } from './express.js';
import { daybookFastify } from './fastify-plugin.js';
import { endpointOf, instrumentFetch } from './fetch.js';
import { auditEvents, logger, tempDir } from './test/helpers.js';

// A bot's own HTTP server and its calls to a broker, logged through daybook: real Fastify and
// Express apps listening on loopback, real requests with fetch, events read back from disk.

type Ev = Record<string, unknown> & { metadata: Record<string, unknown> };
const api = (dir: string): Ev[] => auditEvents(dir).filter((e) => ['api_call', 'api_error', 'rate_limit', 'health_check'].includes(e.event_type as string)) as Ev[];
const brief = (e: Ev) => [e.event_type, e.metadata.method ?? null, e.metadata.endpoint ?? null, e.metadata.status_code ?? e.metadata.status ?? null];

it('Fastify plugin: api_call with the route template, api_error, rate_limit, health_check, exclusions', async () => {
  const dir = tempDir();
  const audit = logger(dir);
  const app = Fastify();
  await app.register(daybookFastify, { logger: audit, exclude: ['/metrics'], health: { check: () => ({ broker: 'connected' }) } });
  app.get('/orders/:id', async (req) => ({ id: (req.params as { id: string }).id }));
  app.post('/orders', async (_req, reply) => reply.code(429).send({ slow: 'down' }));
  app.get('/boom', async () => {
    throw new TypeError('kaboom');
  });
  app.get('/metrics', async () => 'ok');
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    assert.equal((await fetch(`${url}/orders/42`)).status, 200);
    assert.equal((await fetch(`${url}/orders`, { method: 'POST' })).status, 429);
    assert.equal((await fetch(`${url}/boom`)).status, 500);
    assert.equal((await fetch(`${url}/metrics`)).status, 200);
    assert.equal((await fetch(`${url}/nowhere/1`)).status, 404);
    const h = await fetch(`${url}/health`);
    assert.equal(h.status, 200);
    assert.deepEqual(await h.json(), { status: 'healthy', broker: 'connected' });
  } finally {
    await app.close();
    await audit.close();
  }
  const events = api(dir);
  assert.deepEqual(events.map(brief), [
    ['api_call', 'GET', '/orders/:id', 200],
    ['rate_limit', 'POST', '/orders', 429],
    ['api_error', 'GET', '/boom', 500],
    ['api_call', 'GET', 'unmatched', 404],
    ['health_check', null, null, 'healthy'],
  ]);
  const err = events[2]!;
  assert.equal(err.level, 'ERROR');
  assert.equal(err.metadata.error_type, 'TypeError');
  assert.equal(err.metadata.error_message, 'kaboom');
  assert.equal(events[1]!.level, 'WARNING');
  for (const e of events.slice(0, 4)) assert.ok(typeof e.latency_ms === 'number' && e.latency_ms >= 0);
});

it('Express middleware: the same events, with the error middleware and a health handler', async () => {
  const dir = tempDir();
  const audit = logger(dir);
  const app = express();
  app.use(daybookExpress({ logger: audit, exclude: [/^\/static\//] }));
  app.get('/health', expressHealth({ logger: audit, check: () => ({ status: 'unhealthy', reason: 'broker down' }) }));
  const router = express.Router();
  router.get('/positions/:symbol', (req, res) => void res.json({ symbol: req.params.symbol }));
  app.use('/v1', router);
  app.get('/limited', (_req, res) => void res.status(429).end());
  app.get('/fail', () => {
    throw new RangeError('out of range');
  });
  app.get('/static/app.js', (_req, res) => void res.send('x'));
  app.use(daybookExpressErrors());
  app.use((_err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(500).json({ error: 'internal' }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    assert.equal((await fetch(`${url}/v1/positions/AAPL`)).status, 200);
    assert.equal((await fetch(`${url}/limited`)).status, 429);
    assert.equal((await fetch(`${url}/fail`)).status, 500);
    assert.equal((await fetch(`${url}/static/app.js`)).status, 200);
    assert.equal((await fetch(`${url}/health`)).status, 503);
    await new Promise((r) => setTimeout(r, 20)); // 'finish' fires after the client has the response
  } finally {
    await new Promise((r) => server.close(r));
    await audit.close();
  }
  const events = api(dir);
  assert.deepEqual(events.map(brief), [
    ['api_call', 'GET', '/v1/positions/:symbol', 200],
    ['rate_limit', 'GET', '/limited', 429],
    ['api_error', 'GET', '/fail', 500],
    ['health_check', null, null, 'unhealthy'],
  ]);
  assert.equal(events[2]!.metadata.error_type, 'RangeError');
  assert.equal(events[3]!.level, 'WARNING');
});

it('instrumentFetch: outbound calls by path template, 5xx and network errors as api_error', async () => {
  const dir = tempDir();
  const audit = logger(dir);
  const broker = Fastify();
  broker.get('/v2/orders/:id', async () => ({ ok: true }));
  broker.get('/v2/account', async (_req, reply) => reply.code(503).send({}));
  broker.get('/v2/bars/:symbol', async (_req, reply) => reply.code(429).send({}));
  const url = await broker.listen({ host: '127.0.0.1', port: 0 });
  const f = instrumentFetch(fetch, { logger: audit, templates: ['/v2/bars/:symbol'] });
  try {
    assert.equal((await f(`${url}/v2/orders/123`)).status, 200);
    assert.equal((await f(new URL(`${url}/v2/orders/0b8e9f1c-1f8e-4c1e-9d7a-2f4b6c8d0e1f`), { method: 'get' })).status, 200);
    assert.equal((await f(`${url}/v2/account`)).status, 503);
    assert.equal((await f(new Request(`${url}/v2/bars/AAPL`))).status, 429);
  } finally {
    await broker.close();
  }
  await assert.rejects(f(`${url}/v2/account`)); // the broker is gone: a network error, rethrown
  await audit.close();
  const events = api(dir);
  assert.deepEqual(events.map(brief), [
    ['api_call', 'GET', '/v2/orders/:id', 200],
    ['api_call', 'GET', '/v2/orders/:id', 200],
    ['api_error', 'GET', '/v2/account', 503],
    ['rate_limit', 'GET', '/v2/bars/:symbol', 429],
    ['api_error', 'GET', '/v2/account', null],
  ]);
  assert.equal(events[0]!.metadata.direction, 'outbound');
  assert.equal(typeof events[4]!.metadata.error_message, 'string');
  assert.equal(endpointOf('/v2/orders/abc123def456abc123/fills'), '/v2/orders/:id/fills');
  assert.equal(endpointOf('/v2/positions/AAPL'), '/v2/positions/AAPL');
});
