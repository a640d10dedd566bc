import { crc32 } from 'node:zlib';

/** The length of a hash-chained JSON line's link suffix, `,"hash":"<64 hex>"}` (core's chain.ts). */
export const LINK_SUFFIX = 75;

/**
 * A 32-bit digest of an event line's content: CRC-32 (zlib's, native) of the line without
 * the hash-chain link (core's chain.ts), which differs between the copies of one event in
 * audit.log and a category view (each file is its own chain) although the event is the same:
 * `{…,"hash":"<link>"}` digests as `{…}`. Two different lines under one id digest alike with
 * probability 2^-32 (then the second is taken for a copy); a change of up to 32 consecutive
 * bits always shows.
 */
export function contentDigest(line: string): number {
  const n = line.length;
  if (n > LINK_SUFFIX && line.charCodeAt(n - 1) === 125 && line.startsWith(',"hash":"', n - LINK_SUFFIX)) return withBrace(crc32(line.slice(0, n - LINK_SUFFIX)));
  return crc32(line);
}

const HASH_KEY = Buffer.from(',"hash":"');

/** CRC-32's table (zlib's reflected polynomial 0xedb88320), for one byte. */
const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/** zlib.crc32('}', crc): the closing brace of a linked line, one table step instead of a second native call per line. */
function withBrace(crc: number): number {
  const c = ~crc;
  return ~(CRC_TABLE[(c ^ 125) & 0xff]! ^ (c >>> 8)) >>> 0;
}

/** Whether buf[at..] begins with HASH_KEY: a loop over its 9 bytes costs less than the native compare's call. */
function hashKeyAt(buf: Buffer, at: number): boolean {
  for (let i = 0; i < HASH_KEY.length; i++) if (buf[at + i] !== HASH_KEY[i]) return false;
  return true;
}

/**
 * contentDigest of the line whose UTF-8 bytes are buf[at, at + len), from the bytes: the
 * same value (CRC-32 of a string is that of its UTF-8 bytes), without encoding the string
 * again, which made the digest a sixth of a first report's CPU (zlib.crc32 of a string
 * converts it to bytes first).
 */
export function bytesDigest(buf: Buffer, at: number, len: number): number {
  const end = at + len;
  const key = end - LINK_SUFFIX;
  if (len > LINK_SUFFIX && buf[end - 1] === 125 && hashKeyAt(buf, key)) return withBrace(crc32(buf.subarray(at, key)));
  return crc32(buf.subarray(at, end));
}
