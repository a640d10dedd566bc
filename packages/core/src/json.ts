// JSON text for the log line, written by hand so that no input can break the line: every
// string is escaped (including U+2028, U+2029 and C1 controls such as U+0085, which some line
// readers treat as line breaks), and every value that JSON.stringify would throw on, drop
// silently or expand without bound is turned into something valid and noted.

import { maskSecrets, suspect, type IsSecretKey } from './redact.js';

/** Larger BigInts are not written (about 1,233 decimal digits): no price or quantity needs more. */
const BIGINT_BITS = 4096;
const BIGINT_LIMIT = 1n << BigInt(BIGINT_BITS);
/** Compared by magnitude, which costs no conversion (decimal conversion grows faster than linearly). */
const tooBig = (v: bigint): boolean => v >= BIGINT_LIMIT || v <= -BIGINT_LIMIT;

export type { IsSecretKey } from './redact.js';

const NEEDS_ESCAPE = /[\u0000-\u001f"\\\u007f-\u009f\u2028\u2029\ud800-\udfff]/;
const EXTRA_ESCAPE = /[\u007f-\u009f\u2028\u2029]/g;

function unicodeEscape(c: string): string {
  return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
}

/** A JSON string literal for `s`, safe to embed in a single line. */
export function quote(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  // JSON.stringify escapes quotes, backslashes, C0 controls and lone surrogates; the
  // characters it leaves raw but that split lines in other readers are escaped here.
  return JSON.stringify(s).replace(EXTRA_ESCAPE, unicodeEscape);
}

/**
 * A JSON string literal for `s` with the secret shapes in it masked (redact.ts maskSecrets).
 * One regex over a clean string, the scan quote() makes anyway: the hot path stays one scan.
 * `isSecret` undefined: no masking.
 */
export function quoteMasked(s: string, isSecret: IsSecretKey | undefined): string {
  if (!suspect(s)) return '"' + s + '"';
  return quote(isSecret === undefined ? s : maskSecrets(s, isSecret));
}

/**
 * The first `max` characters of `s` and a note of how many were cut: `abc…[cut 12 characters]`.
 * Never splits a surrogate pair. A slice of a flat string shares its characters, so cutting
 * a 100 MB string copies nothing; callers cut before they concatenate (a slice of a
 * concatenation would copy it whole first).
 */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return s.slice(0, end) + `…[cut ${s.length - end} characters]`;
}

/** Longest text of one warning; what it quotes (a thrown message, a key) is cut to fit. */
const MAX_WARNING_LENGTH = 500;
/** Warnings listed per line; past it, one more says how many were left out. */
const MAX_WARNINGS = 32;

/** Limits on metadata, so that one call can neither stall the bot nor fill the disk. */
export interface MetadataLimits {
  /** Deepest nesting written; deeper values become "[Truncated: depth N]". */
  maxDepth: number;
  /** Bytes (UTF-16 code units) of metadata JSON; past it, remaining keys are cut and noted. */
  maxBytes: number;
  /** Characters of one string value. */
  maxStringLength: number;
  /** Entries of one array, Set or Map, or keys of one object. */
  maxEntries: number;
  /** Values visited in one call, all levels together; past it the rest is cut. Bounds the time a call takes. */
  maxNodes: number;
  /** Characters of one key. */
  maxKeyLength: number;
}

export const DEFAULT_METADATA_LIMITS: MetadataLimits = {
  maxDepth: 8,
  maxBytes: 64 * 1024,
  maxStringLength: 16 * 1024,
  maxEntries: 1000,
  maxNodes: 10_000,
  maxKeyLength: 256,
};

interface KeyInfo {
  /** The key as written (cut to maxKeyLength). */
  name: string;
  /** `"key":`, escaped */
  prefix: string;
  secret: boolean;
}

/**
 * Collects what a line had to change (non-finite numbers, cycles, cuts). Allocated lazily:
 * a clean call allocates nothing for it.
 */
export class LineNotes {
  warnings: string[] | undefined;
  invalid: Record<string, string> | undefined;
  /** Warnings past MAX_WARNINGS, counted and not kept: a million NaNs must not make a million notes. */
  private omitted = 0;

  /** `isSecret`: warnings quote what the caller gave (a thrown message); its secrets are masked too. */
  constructor(private readonly isSecret?: IsSecretKey) {}

  warn(text: string): void {
    const list = (this.warnings ??= []);
    if (list.length >= MAX_WARNINGS) {
      this.omitted++;
      return;
    }
    text = clip(text, MAX_WARNING_LENGTH);
    if (this.isSecret !== undefined && suspect(text)) text = maskSecrets(text, this.isSecret);
    list.push(text);
  }

  invalidNumber(path: string, value: unknown): void {
    if ((this.warnings?.length ?? 0) < MAX_WARNINGS) (this.invalid ??= {})[path] = describe(value);
    this.warn(`${path} was ${describe(value)}; written as null`);
  }

  /** Back to the first `count` warnings, nothing invalid: the line is being written again. */
  rewind(count: number): void {
    if (this.warnings !== undefined) this.warnings.length = count;
    if (count === 0) this.warnings = undefined;
    this.invalid = undefined;
    this.omitted = 0;
  }

  /** Adds the count of the warnings left out, once, before the list is written. */
  finish(): void {
    if (this.omitted > 0) this.warnings!.push(`${this.omitted} more warnings not listed`);
    this.omitted = 0;
  }

  get empty(): boolean {
    return this.warnings === undefined;
  }

  reset(): void {
    this.warnings = undefined;
    this.invalid = undefined;
    this.omitted = 0;
  }
}

function describe(value: unknown): string {
  try {
    if (typeof value === 'number') return String(value);
    if (typeof value === 'bigint') return tooBig(value) ? `a BigInt of more than ${BIGINT_BITS} bits` : value.toString() + 'n';
    if (typeof value === 'symbol') return value.toString();
    return typeof value === 'object' ? Object.prototype.toString.call(value) : String(value);
  } catch {
    return '[unprintable]';
  }
}

/** A thrown or odd value in a warning: its text, cut first (a 100 MB thrown message stays out). */
export function brief(value: unknown): string {
  return clip(toText(value), 200);
}

/** String form of an arbitrary value for a field that must be text (message, symbol, ...). */
export function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    if (value instanceof Error) return value.message;
    if (typeof value === 'bigint') return tooBig(value) ? describe(value) : String(value);
    return String(value);
  } catch {
    return describe(value);
  }
}

/** Serializes metadata into JSON text within limits. One instance per logger, reused. */
export class MetadataWriter {
  private out = '';
  private stack: object[] = [];
  /** Keys from metadata down to the current value; joined into a path only for a warning. */
  private keys: (string | number)[] = [];
  /** `"key":` per key seen, and whether it is a secret: keys repeat line after line. Bounded. */
  private keyCache = new Map<string, KeyInfo>();
  private notes!: LineNotes;
  /** Set once the line is out of room (bytes or values): everything after is left out. */
  private cut = false;
  /** Values written so far in this call, against maxNodes. */
  private nodes = 0;
  /** The key test for secret shapes in values; undefined when values are not masked. */
  private readonly mask: IsSecretKey | undefined;

  constructor(
    private readonly limits: MetadataLimits,
    private readonly isSecret: IsSecretKey,
    maskValues = true,
  ) {
    this.mask = maskValues ? isSecret : undefined;
  }

  /** Values visited by the last write (tests check the budget holds). */
  get visited(): number {
    return this.nodes;
  }

  private key(key: string): KeyInfo {
    if (key.length > this.limits.maxKeyLength) {
      // Not cached: the cache would hold the whole key alive.
      this.notes.warn(`${this.path()} has a key of ${key.length} characters; cut to ${this.limits.maxKeyLength}`);
      return this.keyInfo(clip(key, this.limits.maxKeyLength));
    }
    let k = this.keyCache.get(key);
    if (k === undefined) {
      if (this.keyCache.size >= 4096) this.keyCache.clear();
      k = this.keyInfo(key);
      this.keyCache.set(key, k);
    }
    return k;
  }

  private keyInfo(key: string): KeyInfo {
    return { name: key, prefix: quote(key) + ':', secret: this.isSecret(key) };
  }

  /**
   * `extra` (fields a method adds, e.g. `exit_reason`) is written first and wins over a user
   * key of the same name, so a line never holds one key twice.
   */
  write(meta: unknown, extra: Record<string, unknown> | undefined, notes: LineNotes): string {
    this.out = '{';
    this.stack.length = 0;
    this.keys.length = 0;
    this.notes = notes;
    this.cut = false;
    this.nodes = 0;
    let first = true;
    if (extra !== undefined) {
      for (const key of Object.keys(extra)) {
        first = this.member(this.key(key), extra[key], 1, first);
      }
    }
    if (meta !== undefined && meta !== null) {
      if (typeof meta === 'object' && !Array.isArray(meta) && isPlain(meta)) {
        this.stack.push(meta);
        let keys: string[];
        try {
          // Object.keys enumerates every key before the first is read, and no bounded way
          // exists (for...in collects them all up front too: ~1.5 s for a million keys either
          // way). What follows is bounded: at most maxEntries keys read, maxNodes values.
          keys = Object.keys(meta);
        } catch (e) {
          keys = [];
          notes.warn(`metadata could not be read: ${brief(e)}`);
        }
        let n = 0;
        for (const key of keys) {
          if (extra !== undefined && Object.prototype.hasOwnProperty.call(extra, key)) continue;
          if (++n > this.limits.maxEntries) {
            notes.warn(`metadata had ${keys.length} keys; only the first ${this.limits.maxEntries} were written`);
            break;
          }
          first = this.property(meta, key, key.startsWith('_daybook_') ? 'user' + key : key, 1, first);
          if (this.cut) break;
        }
      } else {
        // Metadata that is not a plain object (an array, an Error, a string) is kept under `value`.
        first = this.member(this.key('value'), meta, 1, first);
      }
    }
    notes.finish();
    if (notes.invalid !== undefined) first = this.raw('_daybook_invalid', this.plainObject(notes.invalid), first);
    if (notes.warnings !== undefined) first = this.raw('_daybook_warnings', '[' + notes.warnings.map((w) => quoteMasked(w, this.mask)).join(',') + ']', first);
    const text = this.out + '}';
    this.out = '';
    return text;
  }

  private plainObject(o: Record<string, string>): string {
    let s = '{';
    for (const k of Object.keys(o)) s += (s.length > 1 ? ',' : '') + quote(k) + ':' + quote(o[k]!);
    return s + '}';
  }

  private raw(key: string, json: string, first: boolean): boolean {
    this.out += (first ? '' : ',') + quote(key) + ':' + json;
    return false;
  }

  /** `metadata.a.b[2]`: built only when something is reported. */
  private path(): string {
    let p = 'metadata';
    for (const k of this.keys) p += typeof k === 'number' ? `[${k}]` : '.' + k;
    return p;
  }

  /**
   * True, noted once, when the line has no room for another value: past maxBytes of JSON or
   * maxNodes values. Checked before each value, so a call's time is bounded by the budget,
   * not by the size of what it was given.
   */
  private full(before: string | number): boolean {
    return (this.out.length > this.limits.maxBytes || this.nodes >= this.limits.maxNodes || this.cut) && this.stop(before);
  }

  private stop(before: string | number): true {
    if (this.cut) return true;
    this.cut = true;
    const why = this.out.length > this.limits.maxBytes ? `metadata cut at ${this.limits.maxBytes} bytes` : `metadata cut after ${this.limits.maxNodes} values`;
    const where = typeof before === 'number' ? `at ${this.path()}[${before}]` : `before ${this.path()}.${clip(before, 64)}`;
    this.notes.warn(`${why}, ${where}`);
    return true;
  }

  /**
   * `o[key]` as member `name`. A secret's value is never read: a getter that throws would
   * put its message (the secret, as often as not) into the warnings.
   */
  private property(o: object, key: string, name: string, depth: number, first: boolean): boolean {
    if (this.full(name)) return first;
    const k = this.key(name);
    if (k.secret) return this.redacted(k, first);
    const value = readProp(o, key, this.notes);
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return first;
    return this.entry(k, value, depth, first);
  }

  private redacted(k: KeyInfo, first: boolean): boolean {
    this.nodes++;
    this.out += (first ? k.prefix : ',' + k.prefix) + '"[REDACTED]"';
    return false;
  }

  private member(k: KeyInfo, value: unknown, depth: number, first: boolean): boolean {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return first;
    if (this.full(k.name)) return first;
    if (k.secret) return this.redacted(k, first);
    return this.entry(k, value, depth, first);
  }

  private entry(k: KeyInfo, value: unknown, depth: number, first: boolean): boolean {
    this.out += first ? k.prefix : ',' + k.prefix;
    this.keys.push(k.name);
    this.value(value, depth);
    this.keys.pop();
    return false;
  }

  private value(v: unknown, depth: number): void {
    this.nodes++;
    switch (typeof v) {
      case 'string':
        this.out += quoteMasked(v.length > this.limits.maxStringLength ? this.cutString(v) : v, this.mask);
        return;
      case 'number':
        if (Number.isFinite(v)) this.out += String(v);
        else {
          this.notes.invalidNumber(this.path(), v);
          this.out += 'null';
        }
        return;
      case 'boolean':
        this.out += v ? 'true' : 'false';
        return;
      case 'bigint':
        // Exact as text: a double would silently round anything past 2^53. Decimal conversion
        // grows faster than linearly (a 40-million-bit BigInt took 6.7 s), so magnitude is
        // compared first, which costs no conversion.
        if (tooBig(v)) {
          this.notes.warn(`${this.path()} is a BigInt of more than ${BIGINT_BITS} bits; not written`);
          this.out += `"[BigInt of more than ${BIGINT_BITS} bits]"`;
        } else this.out += '"' + v.toString() + '"';
        return;
      case 'undefined':
      case 'function':
      case 'symbol':
        this.out += 'null';
        return;
    }
    if (v === null) {
      this.out += 'null';
      return;
    }
    this.object(v as object, depth);
  }

  private cutString(v: string): string {
    this.notes.warn(`${this.path()} was ${v.length} characters; cut to ${this.limits.maxStringLength}`);
    return clip(v, this.limits.maxStringLength);
  }

  private object(o: object, depth: number): void {
    if (this.stack.includes(o)) {
      this.notes.warn(`${this.path()} is a circular reference`);
      this.out += '"[Circular]"';
      return;
    }
    if (depth >= this.limits.maxDepth) {
      this.notes.warn(`${this.path()} is nested deeper than ${this.limits.maxDepth} levels; cut`);
      this.out += `"[Truncated: depth ${this.limits.maxDepth}]"`;
      return;
    }
    this.stack.push(o);
    const mark = this.out.length;
    try {
      this.objectBody(o, depth + 1);
    } catch (e) {
      // Drop whatever half of the object was written: the line must stay valid JSON.
      this.out = this.out.slice(0, mark);
      this.notes.warn(`${this.path()} could not be serialized: ${brief(e)}`);
      this.out += '"[Unserializable]"';
    } finally {
      this.stack.pop();
    }
  }

  private objectBody(o: object, depth: number): void {
    if (o instanceof Date) {
      const t = o.getTime();
      this.out += Number.isNaN(t) ? 'null' : '"' + o.toISOString() + '"';
      return;
    }
    if (Buffer.isBuffer(o) || ArrayBuffer.isView(o)) {
      const bytes = Buffer.from(o.buffer, o.byteOffset, o.byteLength);
      const max = Math.floor(this.limits.maxStringLength / 2);
      if (bytes.length > max) this.notes.warn(`${this.path()} was ${bytes.length} bytes; first ${max} written`);
      this.out += '{"type":"Buffer","length":' + bytes.length + ',"base64":"' + bytes.subarray(0, max).toString('base64') + '"}';
      return;
    }
    if (o instanceof Error) {
      this.error(o, depth);
      return;
    }
    if (Array.isArray(o)) {
      this.out += '[';
      // The length, not the elements: a million-element array costs what its first maxEntries do.
      const n = Math.min(o.length, this.limits.maxEntries);
      for (let i = 0; i < n; i++) {
        if (i > 0) this.out += ',';
        if (this.full(i)) {
          this.out += '"[cut]"';
          break;
        }
        this.keys.push(i);
        this.value(o[i], depth);
        this.keys.pop();
      }
      if (o.length > n) this.notes.warn(`${this.path()} had ${o.length} entries; first ${n} written`);
      this.out += ']';
      return;
    }
    if (o instanceof Set) {
      // Iterated, not spread: the spread would copy every entry before the first is written.
      this.out += '[';
      let i = 0;
      for (const item of o) {
        if (i === this.limits.maxEntries) {
          this.notes.warn(`${this.path()} had ${o.size} entries; first ${i} written`);
          break;
        }
        if (i > 0) this.out += ',';
        if (this.full(i)) {
          this.out += '"[cut]"';
          break;
        }
        this.keys.push(i++);
        this.value(item, depth);
        this.keys.pop();
      }
      this.out += ']';
      return;
    }
    if (o instanceof Map) {
      let first = true;
      this.out += '{';
      let n = 0;
      for (const [k, val] of o) {
        if (++n > this.limits.maxEntries) {
          this.notes.warn(`${this.path()} had ${o.size} entries; first ${this.limits.maxEntries} written`);
          break;
        }
        first = this.member(this.key(typeof k === 'string' ? k : toText(k)), val, depth, first);
        if (this.cut) break;
      }
      this.out += '}';
      return;
    }
    const toJSON = (o as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      this.value(toJSON.call(o), depth);
      return;
    }
    this.out += '{';
    let first = true;
    const keys = Object.keys(o);
    let n = 0;
    for (const key of keys) {
      if (++n > this.limits.maxEntries) {
        this.notes.warn(`${this.path()} had ${keys.length} keys; first ${this.limits.maxEntries} written`);
        break;
      }
      first = this.property(o, key, key, depth, first);
      if (this.cut) break;
    }
    this.out += '}';
  }

  private error(e: Error, depth: number): void {
    this.out += '{';
    let first = true;
    first = this.property(e, 'name', 'name', depth, first);
    first = this.property(e, 'message', 'message', depth, first);
    first = this.property(e, 'stack', 'stack', depth, first);
    const keys = Object.keys(e);
    let n = 0;
    for (const key of keys) {
      if (key === 'name' || key === 'message' || key === 'stack') continue;
      if (++n > this.limits.maxEntries || this.cut) break;
      first = this.property(e, key, key, depth, first);
    }
    const cause = readProp(e, 'cause', this.notes);
    if (cause !== undefined && !Object.prototype.propertyIsEnumerable.call(e, 'cause')) {
      this.member(this.key('cause'), cause, depth, first);
    }
    this.out += '}';
  }
}

function isPlain(o: object): boolean {
  return !(o instanceof Error) && !(o instanceof Map) && !(o instanceof Set) && !(o instanceof Date) && !ArrayBuffer.isView(o);
}

function readProp(o: object, key: string, notes: LineNotes): unknown {
  try {
    return (o as Record<string, unknown>)[key];
  } catch (e) {
    notes.warn(`property ${clip(key, 64)} could not be read: ${brief(e)}`);
    return '[Unreadable]';
  }
}
