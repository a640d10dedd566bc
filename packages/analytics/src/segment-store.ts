import { endianness } from 'node:os';
import { crc32 } from 'node:zlib';
import type { BadLineCounts } from './bad-lines.js';
import type { ReadProblem } from './reader.js';
import type { ErrorRecord, Segment, TradeRecord, ValueRecord } from './segment.js';

// The on-disk form of a file's segments (segment-index.ts keeps them under
// `.daybook/index/`). Layout, little-endian:
//   0  'DBIX'   4  format version   8  meta length   12  CRC-32 of bytes 16..end
//   16 file length (f64)   24 zero
//   32 meta (UTF-8 JSON, padded to 8)   then each segment's typed arrays, each 8-aligned.
// The typed arrays are loaded as views on the file's bytes (no copy, no parse); only the
// rare records (trades, errors, values) and strings go through JSON, their numbers through a
// Float64Array (exact: -0 stays -0, NaN stands for undefined, which no record number is).
// Chosen over v8.serialize/deserialize of the same segments (which handles typed arrays and
// Maps too) because it loads faster: on the 1 GB bench directory (1.27 M events, 55 MB
// stored), a new process loads every part in 111-129 ms, against 139-177 ms for
// v8.deserialize, which copies each array and builds every record through its generic
// object path. See the analytics README, "Segment index".

/** Bump whenever Segment, its records or this layout change: older files are then ignored. */
export const STORE_VERSION = 4; // 4: row digests are MurmurHash3 (digest.ts), were CRC-32
const MAGIC = 0x58494244; // 'DBIX'
const HEADER = 32;

/** Whether this machine can read the layout (typed array views are native-endian). */
export const STORE_SUPPORTED = endianness() === 'LE';

/** What a stored part says about the file it was read from, besides its segments. */
export interface PartMeta {
  /** Chain id: the parts of one read of a file, its first part (start 0) and each growth after it. */
  readonly chain: string;
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly gz: boolean;
  /** Byte offset the read began at, and just after its last complete line. */
  readonly start: number;
  readonly endOffset: number;
  /** The 64 bytes before endOffset, base64. */
  readonly probe: string;
  readonly problems: readonly ReadProblem[];
  /**
   * Set on a file's trading rows alone (segment-index.ts `.trd`), which a ranged load reads of
   * a file it leaves out: the latest event time of the whole file (µs; null: none).
   */
  readonly trades?: { readonly latest: number | null };
}

export interface Part extends PartMeta {
  readonly segments: readonly Segment[];
}

interface SegmentMeta {
  source: string;
  n: number;
  bad: BadLineCounts;
  sessions: string[];
  textRows: number[];
  textIds: string[];
  trades: number;
  errors: number;
  values: number;
  /** Per trade: type, symbol, strategy, exitReason, side, positionId, session, eventId; per error: level, component, eventType, message, eventId, errorType. */
  strings: string[];
}

const TRADE_NUMS = 7; // row, ts, pnl, quantity, price, holdMinutes, fee
const TRADE_STRINGS = 8;
const ERROR_NUMS = 2; // row, ts
const VALUE_NUMS = 4; // row, portfolioValue, portfolioHeat, dailyPnl
const opt = (v: number | undefined): number => (v === undefined ? NaN : v);
const unopt = (v: number): number | undefined => (Number.isNaN(v) ? undefined : v);

type Column = Float64Array | Uint32Array | Uint8Array | Int32Array;

function recordNumbers(s: Segment): Float64Array {
  const out = new Float64Array(s.trades.length * TRADE_NUMS + s.errors.length * ERROR_NUMS + s.values.length * VALUE_NUMS);
  let o = 0;
  for (const t of s.trades) {
    out[o++] = t.row; out[o++] = t.ts; out[o++] = opt(t.pnl); out[o++] = opt(t.quantity); out[o++] = opt(t.price); out[o++] = opt(t.holdMinutes); out[o++] = opt(t.fee);
  }
  for (const e of s.errors) {
    out[o++] = e.row; out[o++] = e.ts;
  }
  for (const v of s.values) {
    out[o++] = v.row; out[o++] = opt(v.portfolioValue); out[o++] = opt(v.portfolioHeat); out[o++] = opt(v.dailyPnl);
  }
  return out;
}

const columnsOf = (s: Segment, nums: Float64Array): Column[] => [s.ts, s.latency, nums, s.id, s.digest, s.session, s.type, s.level, s.flags];

function segmentMeta(s: Segment): SegmentMeta {
  const strings: string[] = [];
  for (const t of s.trades) strings.push(t.type, t.symbol, t.strategy, t.exitReason, t.side, t.positionId, t.session, t.eventId);
  for (const e of s.errors) strings.push(e.level, e.component, e.eventType, e.message, e.eventId, e.errorType);
  return {
    source: s.source, n: s.n, bad: s.bad, sessions: s.sessions, textRows: [...s.textIds.keys()], textIds: [...s.textIds.values()],
    trades: s.trades.length, errors: s.errors.length, values: s.values.length, strings,
  };
}

const pad8 = (n: number): number => (n + 7) & ~7;

/** The bytes of a part, as buffers to write one after the other (the columns are not copied). */
export function encodePart(part: Part): Buffer[] {
  const all = part.segments;
  const nums = all.map(recordNumbers);
  const { segments: _s, ...meta } = part;
  const json = Buffer.from(JSON.stringify({ ...meta, segments: all.map(segmentMeta) }), 'utf8');
  const chunks: Buffer[] = [Buffer.alloc(HEADER), json, Buffer.alloc(pad8(json.length) - json.length)];
  all.forEach((s, i) => {
    for (const c of columnsOf(s, nums[i]!)) {
      chunks.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
      if (pad8(c.byteLength) !== c.byteLength) chunks.push(Buffer.alloc(pad8(c.byteLength) - c.byteLength));
    }
  });
  const length = chunks.reduce((n, c) => n + c.length, 0);
  const head = chunks[0]!;
  head.writeUInt32LE(MAGIC, 0);
  head.writeUInt32LE(STORE_VERSION, 4);
  head.writeUInt32LE(json.length, 8);
  head.writeDoubleLE(length, 16);
  let crc = crc32(head.subarray(16));
  for (const c of chunks.slice(1)) crc = crc32(c, crc);
  head.writeUInt32LE(crc, 12);
  return chunks;
}

/**
 * The part in `bytes` (as read from its file), or undefined if it is not one this version
 * wrote whole: wrong magic or version, a length or checksum that does not match.
 */
export function decodePart(bytes: Buffer): Part | undefined {
  if (!STORE_SUPPORTED || bytes.length < HEADER || bytes.readUInt32LE(0) !== MAGIC || bytes.readUInt32LE(4) !== STORE_VERSION) return undefined;
  if (bytes.readDoubleLE(16) !== bytes.length) return undefined;
  if (crc32(bytes.subarray(16)) !== bytes.readUInt32LE(12)) return undefined;
  // Views need their element alignment: a small file read into Node's shared pool may not have it.
  const buf = bytes.byteOffset % 8 === 0 ? bytes : Buffer.from(new Uint8Array(bytes));
  const jsonLength = buf.readUInt32LE(8);
  let meta: PartMeta & { segments: SegmentMeta[] };
  try {
    meta = JSON.parse(buf.toString('utf8', HEADER, HEADER + jsonLength)) as typeof meta;
  } catch {
    return undefined;
  }
  let o = HEADER + pad8(jsonLength);
  const view = <A extends Column>(C: { new (b: ArrayBufferLike, o: number, n: number): A; BYTES_PER_ELEMENT: number }, n: number): A => {
    const a = new C(buf.buffer, buf.byteOffset + o, n);
    o += pad8(n * C.BYTES_PER_ELEMENT);
    return a;
  };
  const segments = meta.segments.map((m): Segment => {
    const n = m.n;
    const ts = view(Float64Array, n);
    const latency = view(Float64Array, n);
    const nums = view(Float64Array, m.trades * TRADE_NUMS + m.errors * ERROR_NUMS + m.values * VALUE_NUMS);
    const id = view(Uint32Array, n * 4);
    const digest = view(Uint32Array, n);
    const session = view(Int32Array, n);
    const type = view(Uint8Array, n);
    const level = view(Uint8Array, n);
    const flags = view(Uint8Array, n);
    let k = 0;
    let si = 0;
    const str = m.strings;
    const trades: TradeRecord[] = new Array(m.trades);
    for (let i = 0; i < m.trades; i++, k += TRADE_NUMS, si += TRADE_STRINGS) {
      trades[i] = {
        row: nums[k]!, ts: nums[k + 1]!, type: str[si] as TradeRecord['type'],
        pnl: unopt(nums[k + 2]!), quantity: unopt(nums[k + 3]!), price: unopt(nums[k + 4]!), fee: unopt(nums[k + 6]!),
        symbol: str[si + 1]!, strategy: str[si + 2]!, exitReason: str[si + 3]!, holdMinutes: unopt(nums[k + 5]!),
        side: str[si + 4]!, positionId: str[si + 5]!, session: str[si + 6]!, eventId: str[si + 7]!,
      };
    }
    const errors: ErrorRecord[] = new Array(m.errors);
    for (let i = 0; i < m.errors; i++, k += ERROR_NUMS, si += 6) {
      errors[i] = {
        row: nums[k]!, ts: nums[k + 1]!, level: str[si] as ErrorRecord['level'], component: str[si + 1]!,
        eventType: str[si + 2]!, message: str[si + 3]!, eventId: str[si + 4]!, errorType: str[si + 5]!,
      };
    }
    const values: ValueRecord[] = new Array(m.values);
    for (let i = 0; i < m.values; i++, k += VALUE_NUMS) {
      values[i] = { row: nums[k]!, portfolioValue: unopt(nums[k + 1]!), portfolioHeat: unopt(nums[k + 2]!), dailyPnl: unopt(nums[k + 3]!) };
    }
    const textIds = new Map<number, string>();
    m.textRows.forEach((r, i) => textIds.set(r, m.textIds[i]!));
    return { source: m.source, n, ts, id, digest, type, level, flags, session, latency, sessions: m.sessions, textIds, trades, errors, values, bad: m.bad };
  });
  if (o !== buf.length) return undefined;
  const { segments: _s, ...rest } = meta;
  return { ...rest, segments };
}
