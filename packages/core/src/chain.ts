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

// crypto.hash (Node >= 20.12) hashes a string (as UTF-8) or bytes in one call without a Hash
// object; the fallback keeps older 20.x working.
const oneShot = (crypto as { hash?: (alg: string, data: string | Uint8Array, enc: 'hex') => string }).hash;
export const sha256hex: (data: string | Uint8Array) => string =
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

/**
 * The writer's side of the chain: links queued lines (UTF-8 bytes, line-queue.ts) straight
 * into the output buffer. The previous link's hex goes into the 64 free bytes the queue keeps
 * before each line, so one hash call covers both without building a string or copying the
 * line. Same bytes as `link`/`withLink`.
 */
export class Linker {
  /** Free bytes the queue must keep before each line. */
  static readonly GAP = 64;
  head: string;

  constructor(head: string) {
    this.head = head;
  }

  /**
   * Writes the line `src[start..end)` with its link and `\n` into `out` at `off`; returns the
   * offset after it. Overwrites src[start - GAP, start).
   */
  append(out: Buffer, off: number, src: Buffer, start: number, end: number): number {
    src.latin1Write(this.head, start - 64);
    const h = (this.head = sha256hex(src.subarray(start - 64, end)));
    if (end - start >= 2 && src[start] === 123 && src[end - 1] === 125) {
      off += src.copy(out, off, start, end - 1);
      off += out.latin1Write(`,"hash":"${h}"}\n`, off);
    } else {
      off += src.copy(out, off, start, end);
      off += out.latin1Write(`\t${h}\n`, off);
    }
    return off;
  }
}
