import * as crypto from 'node:crypto';

/**
 * The hash chain of one file stream (format: CHAIN.md). Each line's link is
 * `SHA-256(hex(previous link) ‖ content)`, lowercase hex, where `content` is the line as the
 * serializer built it. The link is carried in the line itself so that a line is verifiable
 * with nothing but its predecessor:
 *
 * - a JSON line `{…}` becomes `{…,"hash":"<link>"}`: the field the event schema reserves,
 *   written last, so removing the final 75 bytes and restoring `}` gives back the content;
 * - any other line (app logs' compact text) becomes `<content>\t<link>`: formatters escape
 *   tabs, so a raw tab cannot occur in the content and the split is unambiguous.
 */

/** The link before the first line of a stream. */
export const GENESIS = '0'.repeat(64);

const JSON_SUFFIX_LEN = ',"hash":"'.length + 64 + '"}'.length;

// crypto.hash (Node >= 20.12) hashes a string in one call without a Hash object; the
// fallback keeps older 20.x working.
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;
export const sha256hex: (data: string) => string =
  oneShot !== undefined ? (data) => oneShot('sha256', data, 'hex') : (data) => crypto.createHash('sha256').update(data).digest('hex');

export function link(prev: string, content: string): string {
  return sha256hex(prev + content);
}

/** The line as written (without `\n`) for `content` whose link is `hash`. */
export function withLink(content: string, hash: string): string {
  const n = content.length;
  if (n >= 2 && content.charCodeAt(0) === 123 /* { */ && content.charCodeAt(n - 1) === 125 /* } */) {
    return content.slice(0, n - 1) + ',"hash":"' + hash + '"}';
  }
  return content + '\t' + hash;
}

/** Splits a written line (without `\n`) into content and claimed link; undefined if it carries none. */
export function splitLink(line: string): { content: string; hash: string } | undefined {
  const n = line.length;
  if (n > JSON_SUFFIX_LEN && line.charCodeAt(0) === 123 && line.endsWith('"}') && line.startsWith(',"hash":"', n - JSON_SUFFIX_LEN)) {
    const hash = line.slice(n - 66, n - 2);
    return isHex64(hash) ? { content: line.slice(0, n - JSON_SUFFIX_LEN) + '}', hash } : undefined;
  }
  if (n > 65 && line.charCodeAt(n - 65) === 9 /* \t */) {
    const hash = line.slice(n - 64);
    return isHex64(hash) ? { content: line.slice(0, n - 65), hash } : undefined;
  }
  return undefined;
}

const HEX64 = /^[0-9a-f]{64}$/;
export function isHex64(s: string): boolean {
  return HEX64.test(s);
}

const hashBytes: (data: Buffer) => string =
  oneShot !== undefined ? (data) => (oneShot as unknown as (a: string, d: Buffer, e: 'hex') => string)('sha256', data, 'hex') : (data) => crypto.createHash('sha256').update(data).digest('hex');

/**
 * The writer's side of the chain: links lines straight into the output buffer. Hashing a
 * Buffer (the previous link's hex and the line's UTF-8 written once into a scratch buffer)
 * instead of a concatenated string saves a string flatten and a UTF-8 conversion per line,
 * and the line's bytes are then copied, not encoded again. Same bytes as `link`/`withLink`.
 */
export class Linker {
  head: string;
  private scratch = Buffer.allocUnsafe(16 * 1024);

  constructor(head: string) {
    this.head = head;
  }

  /** Bytes `append` may need for `line`. */
  static bound(line: string): number {
    return line.length * 3 + LINK_BYTES_MAX;
  }

  /** Writes `line` with its link and `\n` into `out` at `off`; returns the offset after it. */
  append(out: Buffer, off: number, line: string): number {
    if (line.length * 3 + 64 > this.scratch.length) this.scratch = Buffer.allocUnsafe(line.length * 3 + 64);
    const s = this.scratch;
    s.write(this.head, 0, 'latin1');
    const n = s.write(line, 64, 'utf8');
    const h = (this.head = hashBytes(s.subarray(0, 64 + n)));
    const json = n >= 2 && s[64] === 123 && s[63 + n] === 125;
    if (json) {
      off += s.copy(out, off, 64, 63 + n);
      off += out.write(',"hash":"', off, 'latin1');
      off += out.write(h, off, 'latin1');
      off += out.write('"}\n', off, 'latin1');
    } else {
      off += s.copy(out, off, 64, 64 + n);
      out[off++] = 9;
      off += out.write(h, off, 'latin1');
      out[off++] = 10;
    }
    return off;
  }
}

const LINK_BYTES_MAX = JSON_SUFFIX_LEN + 1;
