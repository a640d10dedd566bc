import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { fixture, tempDir } from './test/helpers.js';

// At least a hundred malformed requests: each is a 4xx `{ error, message }` naming the field
// where there is one, and none is a 500.

let app: FastifyInstance;
before(async () => {
  app = await buildApp({ logDir: await fixture(), exportDir: tempDir(), docs: false });
});
after(() => app.close());

const RANGE_ROUTES = ['/audit/trading_metrics', '/audit/system_metrics', '/audit/risk_metrics', '/audit/symbol_performance', '/audit/error_summary', '/audit/events'];
const BAD_DATES = [
  'abc', '2024-13-01', '2024-02-30', '2024-1-1', '01/02/2024', '2024-01-01T25:00:00Z', "2024-01-01' OR '1'='1", '<script>alert(1)</script>',
  '../../etc/passwd', '2024-01-01%00', 'x'.repeat(5000), '2024-01-01T00:00:00+99:99', '${jndi:ldap://x}', '2024-00-10', 'NaN', '-1',
];
const INJECTIONS = ["' OR 1=1 --", '"; DROP TABLE events; --', '<img src=x onerror=alert(1)>', '{{7*7}}', '$(rm -rf /)', '../../../../etc/passwd', '%0d%0aSet-Cookie: x=y', '\u0000', '\u001b[31m'];

interface Case {
  method?: 'GET' | 'POST';
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
  /** The field the answer must name. */
  field?: string;
  /** Some strings are legal values that match nothing: 200 is then the right answer. */
  ok200?: boolean;
}

const q = encodeURIComponent;
const cases: Case[] = [];
for (const route of RANGE_ROUTES) {
  for (const d of BAD_DATES.slice(0, route === '/audit/trading_metrics' ? BAD_DATES.length : 6)) {
    cases.push({ url: `${route}?start_date=${q(d)}`, field: 'start_date' });
  }
  cases.push({ url: `${route}?end_date=${q(BAD_DATES[2]!)}`, field: 'end_date' });
  cases.push({ url: `${route}?start_date=2024-02-01&end_date=2024-01-01`, field: 'end_date' });
  cases.push({ url: `${route}?start_date=2024-01-01T10:00:00Z&end_date=2024-01-01T09:00:00Z`, field: 'end_date' });
  cases.push({ url: `${route}?start_date=2024-01-01&start_date=2024-01-02`, field: 'start_date' });
  cases.push({ url: `${route}?foo=bar`, field: 'foo' });
  cases.push({ url: `${route}?__proto__=x`, field: '__proto__' });
  cases.push({ url: `${route}?constructor[prototype][x]=1` });
  cases.push({ url: `${route}?start_date=0001-01-01&end_date=9999-12-31`, ok200: true }); // huge, but a range
  cases.push({ url: `${route}?start_date=99999-01-01`, field: 'start_date' });
}
for (const d of ['2024-02-30', 'today', '2024-01-01T00:00:00Z', "2024-01-01' --", '20240101', '2024-01-01&date=2024-01-02']) {
  cases.push({ url: `/audit/daily_report?date=${q(d)}`, field: 'date' });
}
cases.push({ url: '/audit/daily_report?day=2024-01-01', field: 'day' });
for (const [k, v] of [['limit', '0'], ['limit', '-1'], ['limit', 'abc'], ['limit', '1000000000'], ['limit', '1.5'], ['limit', ''], ['order', 'sideways'], ['level', 'verbose'], ['level', 'ERROR; DROP'], ['event_types', 'not_a_type'], ['event_types', 'trade_entry,DROP TABLE'], ['event_types', 'TRADE_ENTRY'], ['cursor', '!!!'], ['cursor', 'a'.repeat(400)], ['cursor', Buffer.from('{"x":1}').toString('base64url')], ['cursor', Buffer.from('["x",1,2]').toString('base64url')], ['cursor', Buffer.from('["1:2",-1,2]').toString('base64url')], ['cursor', 'bm90IGpzb24']] as const) {
  cases.push({ url: `/audit/events?${k}=${q(v)}`, field: k });
}
cases.push({ url: `/audit/events?symbol=${q('x'.repeat(200))}`, field: 'symbol' });
cases.push({ url: `/audit/events?${Array.from({ length: 60 }, (_, i) => `symbol=S${i}`).join('&')}`, field: 'symbol' });
cases.push({ url: `/audit/events?event_types=${Array.from({ length: 40 }, () => 'trade_entry,api_call').join(',')}`, ok200: true }); // de-duplicated
for (const s of INJECTIONS) {
  const controls = /[\u0000-\u001f]/.test(s);
  cases.push({ url: `/audit/events?symbol=${q(s)}`, field: 'symbol', ok200: !controls });
  cases.push({ url: `/audit/events?session=${q(s)}`, field: 'session', ok200: !controls });
  cases.push({ url: `/audit/stream?level=${q(s)}`, field: 'level' });
  cases.push({ url: `/audit/trading_metrics?end_date=${q(s)}`, field: 'end_date' });
}
cases.push({ url: '/audit/stream?last_event_id=%21%21', field: 'last_event_id' });
cases.push({ url: '/audit/stream', headers: { 'last-event-id': 'garbage!' }, field: 'Last-Event-ID' });
cases.push({ url: '/audit/stream?event_types=nope', field: 'event_types' });
cases.push({ url: '/audit/verify?x=1', field: 'x' });
const TS = '/audit/timeseries';
const tsRange = 'start_date=2024-01-01&end_date=2024-01-31';
for (const [query, field] of [
  ['', 'start_date'], ['start_date=2024-01-01', 'end_date'], ['end_date=2024-01-01', 'start_date'],
  [`${tsRange}&bucket=week`, 'bucket'], [`${tsRange}&bucket=HOUR`, 'bucket'], [`${tsRange}&bucket=`, 'bucket'], [`${tsRange}&bucket=hour&bucket=day`, 'bucket'],
  ['start_date=2024-01-01T00:00:00Z&end_date=2024-01-02', 'start_date'], ['start_date=2024-01-01&end_date=2024-01-02T00:00:00Z', 'end_date'],
  ['start_date=2024-02-30&end_date=2024-03-01', 'start_date'], ['start_date=2024-02-01&end_date=2024-01-01', 'end_date'],
  [`${tsRange}&max_trades=-1`, 'max_trades'], [`${tsRange}&max_trades=1.5`, 'max_trades'], [`${tsRange}&max_trades=200001`, 'max_trades'], [`${tsRange}&max_trades=all`, 'max_trades'],
  ['start_date=2000-01-01&end_date=2024-01-01&bucket=hour', 'bucket'], ['start_date=0001-01-01&end_date=9999-12-31', 'bucket'],
  [`${tsRange}&symbol=AAPL`, 'symbol'], [`start_date=${q(INJECTIONS[0]!)}&end_date=2024-01-01`, 'start_date'],
] as const) cases.push({ url: `${TS}?${query}`, field });

const post = (payload: unknown, field?: string, headers?: Record<string, string>): Case => ({ method: 'POST', url: '/audit/export_logs', payload, field, headers });
cases.push(
  post('not json', undefined, { 'content-type': 'application/json' }),
  post('{"output_file": ', undefined, { 'content-type': 'application/json' }),
  post('[1,2]', undefined, { 'content-type': 'application/json' }),
  post('"a string"', undefined, { 'content-type': 'application/json' }),
  post('output_file=x.csv', undefined, { 'content-type': 'application/x-www-form-urlencoded' }),
  post('output_file=x.csv', undefined, { 'content-type': 'text/plain' }),
  post(JSON.stringify({ output_file: 'x'.repeat(100_000) }), undefined, { 'content-type': 'application/json' }),
  post('{"__proto__": {"polluted": true}}', undefined, { 'content-type': 'application/json' }),
  post('{"constructor": {"prototype": {"polluted": true}}}', undefined, { 'content-type': 'application/json' }),
  post({ output_file: 123 }, 'output_file'),
  post({ output_file: '' }, 'output_file'),
  post({ output_file: '../escape.csv' }, 'output_file'),
  post({ output_file: '/tmp/abs.csv' }, 'output_file'),
  post({ output_file: 'dir/x.csv' }, 'output_file'),
  post({ output_file: 'x.csv', start_date: 5 }, 'start_date'),
  post({ output_file: 'x.csv', start_date: '2024-02-30' }, 'start_date'),
  post({ output_file: 'x.csv', start_date: '2024-02-01', end_date: '2024-01-01' }, 'end_date'),
  post({ output_file: 'x.csv', event_types: ['nope'] }, 'event_types'),
  post({ output_file: 'x.csv', event_types: [1] }, 'event_types'),
  post({ output_file: 'x.csv', event_types: { a: 1 } }, 'event_types'),
  post({ output_file: 'x.csv', symbols: ['\u0000'] }, 'symbols'),
  post({ output_file: 'x.csv', format: 'xlsx' }, 'format'),
  post({ output_file: 'x.csv', extra: true }, 'extra'),
  post({ output_file: ['a.csv'] }, 'output_file'),
  post({ output_file: 'x.csv', sessions: 'not-a-list' }, 'sessions'),
  post({ output_file: true }, 'output_file'),
  post({ output_file: 'x.csv', end_date: null }, 'end_date'),
);

it(`${cases.length} malformed requests: 4xx { error, message }, never a 500`, async () => {
  assert.ok(cases.length >= 100, `${cases.length} cases`);
  for (const c of cases) {
    const r = await app.inject({ method: c.method ?? 'GET', url: c.url, payload: c.payload as string, headers: c.headers });
    const what = `${c.method ?? 'GET'} ${c.url.slice(0, 120)} ${JSON.stringify(c.payload)?.slice(0, 80) ?? ''}`;
    assert.ok(r.statusCode < 500, `${what}: ${r.statusCode} ${r.body.slice(0, 200)}`);
    if (c.ok200 === true && r.statusCode === 200) continue;
    assert.ok(r.statusCode >= 400, `${what}: ${r.statusCode}`);
    const body = r.json() as { error: unknown; message: unknown; field?: unknown };
    assert.equal(typeof body.error, 'string', what);
    assert.match(body.error as string, /^DAYBOOK_E_SERVER_/, what);
    assert.equal(typeof body.message, 'string', what);
    if (c.field !== undefined) assert.equal(body.field, c.field, `${what}: ${JSON.stringify(body)}`);
  }
});

it('no prototype was polluted', () => {
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(({} as Record<string, unknown>).x, undefined);
});
