import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_METADATA_LIMITS, LineNotes, MetadataWriter, quote } from './json.js';
import { createSecretKeyTest } from './redact.js';

const writer = (limits = {}) => new MetadataWriter({ ...DEFAULT_METADATA_LIMITS, ...limits }, createSecretKeyTest());
function meta(value: unknown, limits = {}): { json: Record<string, unknown>; text: string; notes: LineNotes } {
  const notes = new LineNotes();
  const text = writer(limits).write(value, undefined, notes);
  return { json: JSON.parse(text) as Record<string, unknown>, text, notes };
}

test('quote: same as JSON.stringify, plus line separators and C1 controls escaped', () => {
  for (const s of ['plain', 'a"b', 'back\\slash', 'new\nline', 'tab\t', '\u0000', 'é', '😀']) {
    assert.equal(JSON.parse(quote(s)), s);
  }
  for (const s of ['\u2028', '\u2029', '\u0085', 'a\u2028b\u0085c']) {
    const q = quote(s);
    assert.equal(JSON.parse(q), s);
    assert.doesNotMatch(q, /[\u2028\u2029\u0085\n\r]/, 'no raw separator in the text');
  }
  assert.equal(quote('\ud800'), '"\\ud800"', 'a lone surrogate is escaped, not written as invalid UTF-8');
});

test('metadata: plain values are written as JSON would', () => {
  const input = { a: 1, b: 'two', c: [true, null, 3.5], d: { e: 'f' } };
  assert.deepEqual(meta(input).json, input);
  assert.equal(meta(input).notes.empty, true);
});

test('metadata: NaN and Infinity become null, the original noted', () => {
  const { json } = meta({ x: NaN, y: [Infinity], z: -Infinity });
  assert.equal(json.x, null);
  assert.deepEqual(json.y, [null]);
  assert.deepEqual(json._daybook_invalid, { 'metadata.x': 'NaN', 'metadata.y[0]': 'Infinity', 'metadata.z': '-Infinity' });
  assert.equal((json._daybook_warnings as string[]).length, 3);
});

test('metadata: cycles, BigInt, Error, Date, Map, Set, Buffer', () => {
  const cyc: Record<string, unknown> = { name: 'c' };
  cyc.self = cyc;
  const err = new RangeError('out of range', { cause: new Error('root') });
  const { json } = meta({
    cyc, big: 2n ** 70n, err, date: new Date(Date.UTC(2025, 0, 2)), bad: new Date(NaN),
    map: new Map<unknown, unknown>([['k', 1], [2, 'two']]), set: new Set([1, 2]), buf: Buffer.from('hi'),
  });
  assert.deepEqual(json.cyc, { name: 'c', self: '[Circular]' });
  assert.equal(json.big, (2n ** 70n).toString());
  const e = json.err as Record<string, unknown>;
  assert.equal(e.name, 'RangeError');
  assert.equal(e.message, 'out of range');
  assert.match(e.stack as string, /RangeError: out of range/);
  assert.equal((e.cause as Record<string, unknown>).message, 'root');
  assert.equal(json.date, '2025-01-02T00:00:00.000Z');
  assert.equal(json.bad, null);
  assert.deepEqual(json.map, { k: 1, '2': 'two' });
  assert.deepEqual(json.set, [1, 2]);
  assert.deepEqual(json.buf, { type: 'Buffer', length: 2, base64: 'aGk=' });
});

test('metadata: a shared (not circular) object is written twice', () => {
  const shared = { v: 1 };
  assert.deepEqual(meta({ a: shared, b: shared }).json, { a: { v: 1 }, b: { v: 1 } });
});

test('metadata: depth, size, entries and string length are capped, and the cut is said', () => {
  let deep: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < 20; i++) deep = { d: deep };
  const d = meta(deep);
  assert.match(d.text, /\[Truncated: depth 8\]/);
  assert.match((d.json._daybook_warnings as string[])[0]!, /nested deeper than 8/);

  const huge: Record<string, string> = {};
  for (let i = 0; i < 500; i++) huge[`k${i}`] = 'x'.repeat(1000);
  const h = meta(huge);
  assert.ok(h.text.length < DEFAULT_METADATA_LIMITS.maxBytes + 4000, `${h.text.length} bytes`);
  assert.ok((h.json._daybook_warnings as string[]).some((w) => /metadata cut at 65536 bytes, before metadata\.k\d+/.test(w)));

  const long = meta({ s: 'y'.repeat(100_000) }, {});
  assert.ok((long.json.s as string).length < 17_000);
  assert.match(long.json.s as string, /…\[cut 83616 characters\]$/);

  const many = meta({ arr: Array.from({ length: 5000 }, (_, i) => i) });
  assert.equal((many.json.arr as unknown[]).length, 1000);
});

test('metadata: hostile keys stay inside metadata and cannot forge fields or lines', () => {
  const hostile = JSON.parse('{"__proto__": {"polluted": 1}, "level": "CRITICAL", "a\\"b": 1, "new\\nline": 2, "constructor": 3}') as object;
  const { json, text } = meta(hostile);
  assert.doesNotMatch(text, /\n/);
  assert.deepEqual(Object.keys(json), ['__proto__', 'level', 'a"b', 'new\nline', 'constructor']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('metadata: getters that throw and proxies that refuse are written as such, not thrown', () => {
  const trap = new Proxy({}, { ownKeys: () => { throw new Error('no keys'); } });
  const getter = Object.defineProperty({}, 'boom', { enumerable: true, get: () => { throw new Error('bang'); } });
  const { json } = meta({ trap, getter });
  assert.equal(json.trap, '[Unserializable]');
  assert.deepEqual(json.getter, { boom: '[Unreadable]' });
});

test('metadata: keys that look like secrets are redacted at any depth', () => {
  const { json } = meta({ api_key: 'k', nested: { Password: 'p', 'X-Auth-Token': 't' }, apiKey: 'k2', quantity: 5 });
  assert.deepEqual(json, { api_key: '[REDACTED]', nested: { Password: '[REDACTED]', 'X-Auth-Token': '[REDACTED]' }, apiKey: '[REDACTED]', quantity: 5 });
});

test('metadata: a method field wins over a user key of the same name, never a duplicate key', () => {
  const notes = new LineNotes();
  const text = writer().write({ exit_reason: 'user', other: 1 }, { exit_reason: 'take_profit_hit' }, notes);
  assert.equal(text, '{"exit_reason":"take_profit_hit","other":1}');
});

test('metadata: not an object is kept under value; reserved names are renamed', () => {
  assert.deepEqual(meta([1, 2]).json, { value: [1, 2] });
  assert.deepEqual(meta('text').json, { value: 'text' });
  assert.deepEqual(meta({ _daybook_warnings: 'mine' }).json, { user_daybook_warnings: 'mine' });
});
