import { viewOf } from './view.js';

/** The length of a hash-chained JSON line's link suffix, `,"hash":"<64 hex>"}` (core's chain.ts). */
export const LINK_SUFFIX = 75;

/**
 * A 32-bit digest of an event line's content: MurmurHash3 (x86, 32-bit) of its UTF-8 bytes
 * without the hash-chain link (core's chain.ts), which differs between the copies of one
 * event in audit.log and a category view (each file is its own chain) although the event is
 * the same: `{…,"hash":"<link>"}` digests as `{…}`. Two different lines under one id digest
 * alike with probability about 2^-32 (then the second is taken for a copy).
 *
 * Not zlib's CRC-32 (used until index format 4): a native call per line cost ~0.35 µs, most of
 * it the call and the Buffer view it needs, where this reads the bytes four at a time through a
 * DataView in ~0.17 µs (bench/RESULTS.md, session 16); the digest is a line's most frequent
 * cost after its parse. Nothing outside this package reads it: the segment index stores it,
 * under a format version that changed with it.
 */
export function contentDigest(line: string): number {
  const b = Buffer.from(line, 'utf8');
  return bytesDigest(b, 0, b.length);
}

const HASH_KEY = Buffer.from(',"hash":"');

/** Whether buf[at..] begins with HASH_KEY: a loop over its 9 bytes costs less than the native compare's call. */
function hashKeyAt(buf: Uint8Array, at: number): boolean {
  for (let i = 0; i < HASH_KEY.length; i++) if (buf[at + i] !== HASH_KEY[i]) return false;
  return true;
}

/**
 * contentDigest of the line whose UTF-8 bytes are buf[at, at + len), from the bytes (the
 * same value: the string's digest is that of its UTF-8 bytes), without a string.
 */
export function bytesDigest(buf: Uint8Array, at: number, len: number): number {
  const end = at + len;
  const key = end - LINK_SUFFIX;
  const linked = len > LINK_SUFFIX && buf[end - 1] === 125 && hashKeyAt(buf, key);
  const o = buf.byteOffset;
  return murmur3(viewOf(buf), o + at, o + (linked ? key : end), linked ? 125 : -1);
}


const SEED = 0x9747b28c;

/** One 4-byte block of MurmurHash3_x86_32 into h. */
function block(h: number, k: number): number {
  h ^= scramble(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function scramble(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}

/**
 * MurmurHash3_x86_32 (Austin Appleby's reference, seed SEED) of the bytes v[s, e), followed by
 * the byte `extra` unless it is -1 (a linked line's closing brace, the link left out), as an
 * unsigned 32-bit integer.
 */
function murmur3(v: DataView, s: number, e: number, extra: number): number {
  let h = SEED;
  let i = s;
  for (const last = e - 3; i < last; i += 4) h = block(h, v.getInt32(i, true));
  let k = 0;
  let n = 0;
  for (; i < e; i++) k |= v.getUint8(i) << (8 * n++);
  if (extra >= 0) {
    k |= extra << (8 * n++);
    if (n === 4) {
      h = block(h, k);
      n = 0;
      k = 0;
    }
  }
  if (n > 0) h ^= scramble(k);
  h ^= e - s + (extra >= 0 ? 1 : 0);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
