import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { hostAllowed, originAllowed } from './guard.js';
import { hostsFor, startServer } from './server.js';
import { fixture, rawRequest, tempDir } from './test/helpers.js';

// The token, Host and Origin checks against real listening servers, over raw sockets: a
// client library (or inject()) may normalise `/%61udit` or an absolute-form target before
// the server sees it, and then the test would not test what an attacker sends.

const TOKEN = 's3cret-token';
let dir: string;
let page: string;
const servers: FastifyInstance[] = [];

async function serve(options: Partial<Parameters<typeof startServer>[0]> = {}): Promise<number> {
  const { app, url } = await startServer({ logDir: dir, port: 0, warm: false, pollMs: 0, ...options });
  servers.push(app);
  return Number(new URL(url).port);
}

/** A request as sent by hand: `Host` defaults to this server's loopback address. */
function send(port: number, method: string, target: string, headers: Record<string, string> = {}, body?: string) {
  const all: Record<string, string> = { Host: `127.0.0.1:${port}`, Connection: 'close', ...headers };
  if (body !== undefined) Object.assign(all, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
  const lines = [`${method} ${target} HTTP/1.1`, ...Object.entries(all).filter(([, v]) => v !== '').map(([k, v]) => `${k}: ${v}`)];
  return rawRequest(port, lines.join('\r\n'), { body, headOnly: target.includes('stream') });
}

const bearer = { Authorization: `Bearer ${TOKEN}` };
/** What an answer must not hold when the request was refused: events, metrics, the API document. */
const leaks = (body: string): boolean => /event_id|daybook_events_total|"openapi"|"ok":/.test(body);

before(async () => {
  dir = await fixture();
  page = tempDir();
  writeFileSync(join(page, 'index.html'), '<h1>dashboard</h1>');
});
after(async () => {
  for (const s of servers) await s.close();
});

describe('the token is checked on the route matched, not on the text of the URL', () => {
  let port: number;
  before(async () => {
    port = await serve({ token: TOKEN, staticDir: page });
  });

  const encoded = ['/%61udit/events?limit=1', '/%61udit/stream', '/%61udit/verify', '/%6detrics', '/%64ocs/json', '/%61udit/trading_metrics', '/audit/%65vents?limit=1', '/%64ocs'];
  it('percent-encoded data paths need the token (and are the routes they decode to)', async () => {
    for (const target of encoded) {
      const r = await send(port, 'GET', target);
      r.close();
      assert.equal(r.status, 401, target);
      assert.match(r.body, /DAYBOOK_E_SERVER_UNAUTHORIZED/, target);
      assert.ok(!leaks(r.body), target);
    }
    const ok = await send(port, 'GET', '/%61udit/events?limit=1', bearer);
    assert.equal(ok.status, 200);
    assert.match(ok.body, /event_id/, 'the encoded path is the events route');
    const post = await send(port, 'POST', '/%61udit/export_logs', {}, '{}');
    assert.equal(post.status, 401);
  });

  it('absolute-form request targets need the token', async () => {
    for (const target of [`http://127.0.0.1:${port}/audit/events?limit=1`, `http://127.0.0.1:${port}/%61udit/events`, `http://evil.example/audit/verify`, `http://127.0.0.1:${port}/metrics`]) {
      const r = await send(port, 'GET', target);
      assert.equal(r.status, 401, target);
      assert.ok(!leaks(r.body), target);
    }
    assert.equal((await send(port, 'GET', `http://127.0.0.1:${port}/audit/events?limit=1`, bearer)).status, 200);
  });

  it('only /health and the page shell answer without it; an unknown path leaks nothing', async () => {
    assert.equal((await send(port, 'GET', '/health')).status, 200);
    assert.match((await send(port, 'GET', '/')).body, /dashboard/);
    for (const target of ['/nope', '/audit/nope', '/audit', '/docs/static/swagger-ui-bundle.js']) {
      const r = await send(port, 'GET', target);
      assert.ok(r.status === 401 || r.status === 404, `${target}: ${r.status}`);
      assert.ok(!leaks(r.body), target);
    }
    // Without a page to serve, every unknown path is refused before routing says anything.
    const bare = await serve({ token: TOKEN });
    for (const target of ['/nope', '/', '/%61udit/nope']) assert.equal((await send(bare, 'GET', target)).status, 401, target);
  });
});

describe('Host: only names of this machine (DNS rebinding)', () => {
  let port: number;
  before(async () => {
    port = await serve({ staticDir: page }); // tokenless loopback: the default
  });

  it('a loopback name, with or without port, is served', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `127.1.2.3:${port}`, `[::1]:${port}`, 'LOCALHOST', `localhost.:${port}`]) {
      const r = await send(port, 'GET', '/audit/events?limit=1', { Host: host });
      assert.equal(r.status, 200, host);
    }
  });

  it('any other name is a 421 with a code and says what to do, on every data route', async () => {
    for (const host of [`evil.example:${port}`, 'evil.example', `localhost.evil.example:${port}`, `127.0.0.1.evil.example`, '127.0.0.256', `10.0.0.1:${port}`]) {
      for (const [method, target, body] of [['GET', '/audit/events?limit=1'], ['GET', '/audit/stream'], ['GET', '/metrics'], ['GET', '/audit/verify'], ['POST', '/audit/export_logs', '{}']] as const) {
        const r = await send(port, method, target, { Host: host }, body);
        r.close();
        assert.equal(r.status, 421, `${host} ${target}`);
        const e = JSON.parse(r.body) as { error: string; message: string };
        assert.equal(e.error, 'DAYBOOK_E_SERVER_HOST');
        assert.match(e.message, /--allowed-host/);
        assert.ok(!leaks(r.body));
      }
    }
    // HTTP/1.0 without a Host header at all
    const r = await rawRequest(port, 'GET /audit/events HTTP/1.0');
    assert.equal(r.status, 421);
    // The public routes hold no data and answer whatever the name (a load balancer's probe).
    assert.equal((await send(port, 'GET', '/health', { Host: 'evil.example' })).status, 200);
    assert.equal((await send(port, 'GET', '/', { Host: 'evil.example' })).status, 200);
    const unknown = await send(port, 'GET', '/nope', { Host: 'evil.example' }); // the page's files: not there
    assert.equal(unknown.status, 404);
    assert.ok(!leaks(unknown.body));
  });

  it('configured names are served, with any port or the one given', async () => {
    const p = await serve({ allowedHosts: ['daybook.lan', 'Box.LAN:9000', '::1'] });
    assert.equal((await send(p, 'GET', '/audit/events', { Host: 'daybook.lan:1234' })).status, 200);
    assert.equal((await send(p, 'GET', '/audit/events', { Host: 'box.lan:9000' })).status, 200);
    assert.equal((await send(p, 'GET', '/audit/events', { Host: 'box.lan:9001' })).status, 421);
    assert.equal((await send(p, 'GET', '/audit/events', { Host: 'other.lan' })).status, 421);
    const any = await serve({ allowedHosts: true });
    assert.equal((await send(any, 'GET', '/audit/events', { Host: 'whatever.example' })).status, 200);
    await assert.rejects(serve({ allowedHosts: ['bad host/'] }), /allowed host/);
  });

  it('a bind to one address accepts that address; a wildcard bind only what is configured', () => {
    assert.deepEqual(hostsFor('192.168.1.5', undefined), ['192.168.1.5']);
    assert.deepEqual(hostsFor('0.0.0.0', ['box.lan']), ['box.lan']);
    assert.deepEqual(hostsFor('::', undefined), []);
    assert.deepEqual(hostsFor('127.0.0.1', undefined), []);
    assert.equal(hostsFor('0.0.0.0', true), true);
    assert.ok(hostAllowed('192.168.1.5:8080', hostsFor('192.168.1.5', undefined)!));
  });
});

describe('Origin: a page elsewhere may not call the API', () => {
  let port: number;
  before(async () => {
    port = await serve({ staticDir: page });
  });

  it('refuses a foreign page on the stream, the export and the reads', async () => {
    for (const origin of ['http://evil.example', `http://localhost:${port + 1}`, 'null', 'file://']) {
      for (const [method, target, body] of [['GET', '/audit/stream'], ['POST', '/audit/export_logs', '{}'], ['GET', '/audit/events']] as const) {
        const r = await send(port, method, target, { Origin: origin }, body);
        r.close();
        assert.equal(r.status, 403, `${origin} ${target}`);
        assert.equal((JSON.parse(r.body) as { error: string }).error, 'DAYBOOK_E_SERVER_ORIGIN');
      }
    }
  });

  it('serves its own page, and the CORS origins it was given', async () => {
    const own = await send(port, 'GET', '/audit/stream', { Origin: `http://127.0.0.1:${port}` });
    own.close();
    assert.equal(own.status, 200);
    assert.equal((await send(port, 'GET', '/audit/events', { Host: `localhost:${port}`, Origin: `http://localhost:${port}` })).status, 200);
    const withCors = await serve({ cors: 'http://localhost:5173' });
    assert.equal((await send(withCors, 'GET', '/audit/events', { Origin: 'http://localhost:5173' })).status, 200);
    assert.equal((await send(withCors, 'GET', '/audit/events', { Origin: 'http://localhost:5174' })).status, 403);
    // A preflight carries no token: answered by CORS before the token is asked for.
    const guarded = await serve({ cors: 'http://localhost:5173', token: TOKEN });
    const pre = await send(guarded, 'OPTIONS', '/audit/events', { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' });
    assert.equal(pre.status, 204);
    assert.match(pre.headers, /access-control-allow-origin: http:\/\/localhost:5173/i);
  });

  it('origin rules', () => {
    assert.ok(originAllowed('http://127.0.0.1:8080', '127.0.0.1:8080', [], undefined));
    assert.ok(originAllowed('http://localhost', 'localhost:80', [], undefined));
    assert.ok(originAllowed('https://daybook.example.com', '127.0.0.1:8080', ['daybook.example.com'], undefined), 'a proxy that rewrites Host');
    assert.ok(!originAllowed('http://localhost:3000', '127.0.0.1:8080', ['localhost'], undefined), 'another local page');
    // Same origin as its Host: allowed here, the Host check is what refuses a foreign name.
    assert.ok(originAllowed('http://evil.example', 'evil.example', [], undefined));
    assert.ok(originAllowed('http://anything', '127.0.0.1:8080', [], true));
  });

  it('an Origin that is "null", not a URL, or not http(s) is refused, and a malformed Host never matches', () => {
    for (const origin of ['null', 'not a url', 'file:///etc/passwd', 'ftp://127.0.0.1:8080', 'chrome-extension://abc']) {
      assert.ok(!originAllowed(origin, '127.0.0.1:8080', ['daybook.lan'], undefined), origin);
    }
    for (const host of ['', ' ', 'local host', 'localhost:port', 'localhost:123456', '[::1', 'user@localhost', 'localhost/x']) {
      assert.ok(!hostAllowed(host, ['daybook.lan']), JSON.stringify(host));
    }
  });
});
