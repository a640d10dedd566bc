import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clip, DEFAULT_METADATA_LIMITS, LineNotes, MetadataWriter, quote, toText } from './json.js';
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

test('metadata: a secret key is never read, so a throwing getter cannot leak its secret into the warnings', () => {
  let reads = 0;
  const o = Object.defineProperty({ ok: 1 }, 'password', {
    enumerable: true,
    get: () => {
      reads++;
      throw new Error('hunter2-the-secret');
    },
  });
  const { json, text } = meta({ o, 'ｐａｓｓｗｏｒｄ': 'full-width-secret', 'pass\u200bword': 'zero-width-secret' });
  assert.equal(reads, 0);
  assert.doesNotMatch(text, /hunter2|full-width-secret|zero-width-secret/);
  assert.deepEqual(json.o, { ok: 1, password: '[REDACTED]' });
});

test('metadata: a throwing getter of another name has its message cut and masked in the warning', () => {
  const o = Object.defineProperty({}, 'endpoint', { enumerable: true, get: () => { throw new Error('GET /v2?apikey=AK999 failed ' + 'x'.repeat(10_000)); } });
  const { json, text } = meta({ o });
  assert.doesNotMatch(text, /AK999/);
  const w = (json._daybook_warnings as string[])[0]!;
  assert.match(w, /^property endpoint could not be read: GET \/v2\?apikey=\[REDACTED\] failed x+…\[cut \d+ characters\]$/);
  assert.ok(w.length < 300, `${w.length}`);
});

test('metadata: string values are masked for secret shapes, at any depth and inside Errors', () => {
  const err = new Error('401 for Bearer tok_9f86d081884c7d65 at /v2/orders?secret=S3CR3T');
  const { text, json } = meta({ url: 'https://x.io/a?api_key=K1&n=2', nested: { list: ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghij'] }, err });
  assert.doesNotMatch(text, /K1&|tok_9f86|S3CR3T|eyJhbGci/);
  assert.equal(json.url, 'https://x.io/a?api_key=[REDACTED]&n=2');
  const noMask = new MetadataWriter({ ...DEFAULT_METADATA_LIMITS }, createSecretKeyTest(), false).write({ url: 'https://x.io/a?api_key=K1' }, undefined, new LineNotes());
  assert.match(noMask, /api_key=K1/, 'redactValues: false leaves values as given');
});

test('metadata: a million keys, a million elements, a million-entry Set: cut, said, and at most the value budget visited', () => {
  // Index-like keys: a million named keys take V8 seconds to create (and Object.keys, which no
  // walk can avoid, about 1.5 s here); the budget is the same for either.
  const big: Record<string, number> = {};
  for (let i = 0; i < 1_000_000; i++) big[i] = i;
  const arr = Array.from({ length: 1_000_000 }, (_, i) => i);
  const set = new Set(arr);
  const w = writer();
  for (const [name, value] of [['object', big], ['array', { arr }], ['set', { set }]] as const) {
    const notes = new LineNotes();
    const json = JSON.parse(w.write(value, undefined, notes)) as Record<string, unknown>;
    assert.ok(w.visited <= DEFAULT_METADATA_LIMITS.maxNodes, `${name}: ${w.visited}`);
    assert.ok((json._daybook_warnings as string[]).some((x) => /1000000 (keys|entries)/.test(x)), `${name}: ${String(json._daybook_warnings)}`);
  }
});

test('metadata: the value budget holds across levels: getters are read at most maxNodes times, however wide and deep', () => {
  let reads = 0;
  const wide: Record<string, unknown> = {};
  for (let i = 0; i < 20_000; i++) Object.defineProperty(wide, `g${i}`, { enumerable: true, get: () => (reads++, 1) });
  // A DAG: each level refers to the one below 10 times, 10^5 paths (10^8 at depth 8) without a budget.
  let dag: Record<string, unknown> = { leaf: 1 };
  for (let d = 0; d < 5; d++) {
    const next: Record<string, unknown> = {};
    for (let i = 0; i < 10; i++) next[`n${i}`] = dag;
    dag = next;
  }
  const limits = { maxEntries: 1_000_000, maxBytes: 1e9, maxNodes: 500, maxDepth: 20 };
  for (const [name, value] of [['wide', { wide }], ['dag', { dag }]] as const) {
    const w = writer(limits);
    const json = JSON.parse(w.write(value, undefined, new LineNotes())) as Record<string, unknown>;
    assert.ok(w.visited <= 500, `${name}: ${w.visited} values visited`);
    assert.ok((json._daybook_warnings as string[]).some((x) => /^metadata cut after 500 values, before metadata\.(wide|dag)\./.test(x)), String(json._daybook_warnings));
  }
  assert.ok(reads <= 500, `${reads} getter reads`);
});

test('metadata: keys are cut to maxKeyLength; warnings are capped and the rest counted', () => {
  const { json } = meta({ ['k'.repeat(10_000)]: 1 });
  const key = Object.keys(json)[0]!;
  assert.equal(key, 'k'.repeat(256) + '…[cut 9744 characters]');
  assert.match((json._daybook_warnings as string[])[0]!, /has a key of 10000 characters; cut to 256/);
  const nans = meta({ list: Array.from({ length: 500 }, () => NaN) }).json;
  const warnings = nans._daybook_warnings as string[];
  assert.equal(warnings.length, 33);
  assert.equal(warnings.at(-1), '468 more warnings not listed');
  assert.equal(Object.keys(nans._daybook_invalid as object).length, 32);
});

test('metadata: a BigInt too large to print is not converted (decimal conversion is slower than linear), and said', () => {
  const huge = (1n << 40_000_000n) - 1n;
  const { json, notes } = meta({ huge, neg: -huge, fine: 2n ** 4000n });
  assert.equal(json.huge, '[BigInt of more than 4096 bits]');
  assert.equal(json.neg, '[BigInt of more than 4096 bits]');
  assert.equal(json.fine, (2n ** 4000n).toString());
  assert.equal(notes.warnings?.filter((w) => w.includes('more than 4096 bits')).length, 2);
});

test('clip: cuts to at most max characters and says how many, never splitting a surrogate pair', () => {
  assert.equal(clip('abc', 3), 'abc');
  assert.equal(clip('abcdef', 4), 'abcd…[cut 2 characters]');
  // '😀' is two UTF-16 units; a cut between them would leave a lone surrogate.
  assert.equal(clip('ab😀cd', 3), 'ab…[cut 4 characters]');
  assert.equal(clip('ab😀cd', 4), 'ab😀…[cut 2 characters]');
});

test('toText: a BigInt too large to print is described, not converted; a small one is its digits', () => {
  assert.equal(toText(1n << 40_000_000n), 'a BigInt of more than 4096 bits');
  assert.equal(toText(-(1n << 5000n)), 'a BigInt of more than 4096 bits');
  assert.equal(toText(12345678901234567890n), '12345678901234567890');
});
