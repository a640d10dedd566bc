import * as zlib from 'node:zlib';

/**
 * A gzip file written piece by piece, as pigz does: each piece of the input is deflated on
 * its own and ended with a sync flush (byte-aligned, no final block), so the pieces' outputs
 * laid end to end are one deflate stream; a final empty block and the trailer (CRC-32 and
 * length of all the input) close it. The result is one ordinary gzip member that any gunzip
 * reads. Each piece starts without the previous 32 KB as its dictionary, which costs well
 * under 1% of the size at 1 MB pieces.
 *
 * Why pieces: a backup read whole is a buffer of maxFileSize (50 MB by default) plus its whole
 * gzip; in pieces through one shared buffer, compressing a 50 MB backup adds 15 MB to the
 * process's RSS instead of 64 MB (the worker's own heap, mostly). And one 50 MB read() into
 * fresh memory stalls fdatasyncs on this kind of VM: a process doing that every 300 ms took
 * another process's group-commit p99 from 3 to 22-31 ms, against 5-6 ms in 1 MB reads into a
 * reused buffer (inside the logger, the `sync` ack p99 did not move measurably: the disk's own
 * stalls there are larger).
 */

/** Level 1: on JSON log lines it still shrinks files 6-8x, at several times the speed of the default level. */
export const GZIP_LEVEL = 1;

/**
 * memLevel 9 (zlib's largest hash table, 256 KB more per stream than the default 8): 11-12%
 * faster at level 1 on daybook's logs with the same ratio (generated analytics logs: 194 to
 * 217 MB/s, 5.76x to 5.77x). A smaller window was faster still but lost 10% of the ratio.
 */
export const PIECE_OPTIONS: zlib.ZlibOptions = { level: GZIP_LEVEL, memLevel: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH };

/**
 * A backup's gzip header: ID1 ID2, CM deflate, FLG FEXTRA, MTIME 0, XFL 4 (fastest), OS 3
 * (Unix), as gzipSync at level 1 writes it, plus an extra field that says when the backup's
 * last event happened, so that a reader asking for a recent range can leave the backup out
 * without inflating it. The field (RFC 1952 FEXTRA, which every gunzip skips) has one
 * subfield, SI1 'D' SI2 'L', of 24 bytes: the latest timestamp the lines begin with
 * (leading-time.ts), or 24 NULs when the lines have none or do not all begin with one. The
 * compressor writes NULs first and the time once the compressor thread has read every piece
 * (before the fdatasync and the rename). verify checks the field against the lines.
 */
const LATEST_SI = [0x44, 0x4c]; // 'D' 'L'
const LATEST_BYTES = 24;
const FEXTRA = 4;
/** Where the 24 bytes are in GZIP_HEADER_LATEST. */
export const LATEST_OFFSET = 16;
export const GZIP_HEADER_LATEST: Readonly<Buffer> = Buffer.from([
  0x1f, 0x8b, 8, FEXTRA, 0, 0, 0, 0, 4, 3, LATEST_BYTES + 4, 0, ...LATEST_SI, LATEST_BYTES, 0, ...new Array<number>(LATEST_BYTES).fill(0),
]);

/** The field's 24 bytes for a latest time (undefined: NULs). */
export function latestField(latest: string | undefined): Buffer {
  const b = Buffer.alloc(LATEST_BYTES);
  if (latest !== undefined && latest.length === LATEST_BYTES) b.write(latest, 'latin1');
  return b;
}

/**
 * What a gzip file's first bytes say of its latest event: `absent` (no extra field: an older
 * daybook or another tool), `none` (the NULs), the time, or `malformed` (an extra field that is
 * not daybook's, or cut short: verify reports it, readers ignore it).
 */
export function readLatestField(head: Uint8Array): { kind: 'absent' | 'none' | 'malformed' } | { kind: 'time'; latest: string } {
  if (head.length < 10 || head[0] !== 0x1f || head[1] !== 0x8b || (head[3]! & FEXTRA) === 0) return { kind: 'absent' };
  if (head.length < GZIP_HEADER_LATEST.length) return { kind: 'malformed' };
  for (let i = 10; i < LATEST_OFFSET; i++) if (head[i] !== GZIP_HEADER_LATEST[i]) return { kind: 'malformed' };
  const field = head.subarray(LATEST_OFFSET, LATEST_OFFSET + LATEST_BYTES);
  if (field.every((b) => b === 0)) return { kind: 'none' };
  return { kind: 'time', latest: Buffer.from(field).toString('latin1') };
}

/** Bytes to read from a gzip file's start for readLatestField. */
export const LATEST_HEAD_BYTES = GZIP_HEADER_LATEST.length;

export function deflatePiece(data: Uint8Array): Buffer {
  return zlib.deflateRawSync(data, PIECE_OPTIONS);
}

/** The final (empty, fixed-Huffman) block, then CRC-32 and the input's length mod 2^32, little-endian. */
export function gzipTrailer(crc: number, size: number): Buffer {
  const b = Buffer.from([0x03, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
  b.writeUInt32LE(crc >>> 0, 2);
  b.writeUInt32LE(size % 2 ** 32, 6);
  return b;
}

let table: Int32Array | undefined;

/** CRC-32 (ISO-HDLC, gzip's) a byte at a time from a table: for a Node without zlib.crc32. */
export function tableCrc32(data: Uint8Array, value: number): number {
  table ??= Int32Array.from({ length: 256 }, (_, n) => {
    for (let k = 0; k < 8; k++) n = n & 1 ? 0xedb88320 ^ (n >>> 1) : n >>> 1;
    return n;
  });
  let c = ~value;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** zlib.crc32 where Node has it (20.15, 22.2 and later). */
export const crc32: (data: Uint8Array, value: number) => number = typeof zlib.crc32 === 'function' ? (data, value) => zlib.crc32(data, value) : tableCrc32;
