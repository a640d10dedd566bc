/**
 * Duplicate `event_id`s within a stream. Readers de-duplicate by `event_id` and keep one line
 * of each: two lines with one id and different content (a losing trade and its copy turned
 * into a winner, say) would let whoever placed the copy choose what the reports count, even
 * where each line's own link is intact (an unchained file, a chain rewritten from the copy on).
 *
 * Memory: one 52-bit fingerprint of each id, in a Float64Array (8 bytes an event: 16 MB for
 * the ~2M events of a 1 GB directory, against some 200 MB for a Map of the ids and line
 * hashes), sorted once at the end of the stream; equal neighbours are the candidates. Only
 * their lines are then read again and compared by content (duplicates(): a second pass that a
 * clean directory never makes). A fingerprint collision only costs that second look. Past
 * `max` ids (default 16M, 128 MB) no more are taken and the result carries a warning.
 */

/** The value of the line's top-level `"event_id":"…"` (its first occurrence: the serializer writes it before any metadata). */
export function eventIdOf(line: string): string | undefined {
  const i = line.indexOf('"event_id":"');
  if (i < 0) return undefined;
  const start = i + 12;
  const end = line.indexOf('"', start);
  // A UUID is 36 characters; anything far longer is not an id a reader would key on.
  return end < 0 || end - start > 128 ? undefined : line.slice(start, end);
}

/** Two FNV-1a hashes of the id with different bases, folded into 52 bits: an exact double. */
export function fingerprint(id: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0) * 0x100000 + ((b >>> 0) & 0xfffff);
}

export const DEFAULT_MAX_EVENT_IDS = 16 * 1024 * 1024;

/** The fingerprints of one stream's ids. */
export class EventIdTable {
  private ids = new Float64Array(4096);
  private n = 0;
  /** Ids not taken because the table was full. */
  skipped = 0;

  constructor(private readonly max = DEFAULT_MAX_EVENT_IDS) {}

  add(fp: number): void {
    if (this.n >= this.max) {
      this.skipped++;
      return;
    }
    if (this.n === this.ids.length) {
      const bigger = new Float64Array(Math.min(this.max, this.ids.length * 2));
      bigger.set(this.ids);
      this.ids = bigger;
    }
    this.ids[this.n++] = fp;
  }

  /** One file's fingerprints, as remembered by verify's cache. */
  addAll(fps: Float64Array): void {
    for (const fp of fps) this.add(fp);
  }

  /** The fingerprints seen more than once (the table is sorted in place). */
  repeated(): Set<number> {
    const sorted = this.ids.subarray(0, this.n).sort();
    const out = new Set<number>();
    for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) out.add(sorted[i]!);
    return out;
  }
}

/** A file's fingerprints as a JSON-safe string (verify's cache), and back. */
export function encodeFingerprints(fps: readonly number[]): string {
  return Buffer.from(Float64Array.from(fps).buffer).toString('base64');
}

export function decodeFingerprints(s: string): Float64Array {
  const b = Buffer.from(s, 'base64');
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
