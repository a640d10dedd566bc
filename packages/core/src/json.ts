// JSON text for the log line, written by hand so that no input can break the line: every
// string is escaped (including U+2028, U+2029 and C1 controls such as U+0085, which some line
// readers treat as line breaks), and every value that JSON.stringify would throw on, drop
// silently or expand without bound is turned into something valid and noted.

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
}

export const DEFAULT_METADATA_LIMITS: MetadataLimits = {
  maxDepth: 8,
  maxBytes: 64 * 1024,
  maxStringLength: 16 * 1024,
  maxEntries: 1000,
};

export type IsSecretKey = (key: string) => boolean;

interface KeyInfo {
  /** `"key":`, escaped */
  prefix: string;
  secret: boolean;
  /** `_daybook_…`: renamed so that it cannot pass for daybook's own notes */
  reserved: boolean;
}

/**
 * Collects what a line had to change (non-finite numbers, cycles, cuts). Allocated lazily:
 * a clean call allocates nothing for it.
 */
export class LineNotes {
  warnings: string[] | undefined;
  invalid: Record<string, string> | undefined;

  warn(text: string): void {
    (this.warnings ??= []).push(text);
  }

  invalidNumber(path: string, value: unknown): void {
    (this.invalid ??= {})[path] = describe(value);
    this.warn(`${path} was ${describe(value)}; written as null`);
  }

  get empty(): boolean {
    return this.warnings === undefined;
  }

  reset(): void {
    this.warnings = undefined;
    this.invalid = undefined;
  }
}

function describe(value: unknown): string {
  try {
    if (typeof value === 'number') return String(value);
    if (typeof value === 'bigint') return value.toString() + 'n';
    if (typeof value === 'symbol') return value.toString();
    return typeof value === 'object' ? Object.prototype.toString.call(value) : String(value);
  } catch {
    return '[unprintable]';
  }
}

/** String form of an arbitrary value for a field that must be text (message, symbol, ...). */
export function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    if (value instanceof Error) return value.message;
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
  private cut = false;

  constructor(
    private readonly limits: MetadataLimits,
    private readonly isSecret: IsSecretKey,
  ) {}

  private key(key: string): KeyInfo {
    let k = this.keyCache.get(key);
    if (k === undefined) {
      if (this.keyCache.size >= 4096) this.keyCache.clear();
      k = { prefix: quote(key) + ':', secret: this.isSecret(key), reserved: key.startsWith('_daybook_') };
      this.keyCache.set(key, k);
    }
    return k;
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
    let first = true;
    if (extra !== undefined) {
      for (const key of Object.keys(extra)) {
        first = this.member(key, extra[key], 1, first);
      }
    }
    if (meta !== undefined && meta !== null) {
      if (typeof meta === 'object' && !Array.isArray(meta) && isPlain(meta)) {
        this.stack.push(meta);
        let keys: string[];
        try {
          keys = Object.keys(meta);
        } catch (e) {
          keys = [];
          notes.warn(`metadata could not be read: ${toText(e)}`);
        }
        let n = 0;
        for (const key of keys) {
          if (extra !== undefined && Object.prototype.hasOwnProperty.call(extra, key)) continue;
          if (++n > this.limits.maxEntries) {
            notes.warn(`metadata had ${keys.length} keys; only the first ${this.limits.maxEntries} were written`);
            break;
          }
          const name = key.startsWith('_daybook_') ? 'user' + key : key;
          first = this.member(name, readProp(meta, key, notes), 1, first);
          if (this.cut) break;
        }
      } else {
        // Metadata that is not a plain object (an array, an Error, a string) is kept under `value`.
        first = this.member('value', meta, 1, first);
      }
    }
    if (notes.invalid !== undefined) first = this.raw('_daybook_invalid', this.plainObject(notes.invalid), first);
    if (notes.warnings !== undefined) first = this.raw('_daybook_warnings', '[' + notes.warnings.map(quote).join(',') + ']', first);
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

  private member(key: string, value: unknown, depth: number, first: boolean): boolean {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return first;
    if (this.out.length > this.limits.maxBytes) {
      if (!this.cut) {
        this.cut = true;
        this.notes.warn(`metadata cut at ${this.limits.maxBytes} bytes, before ${this.path()}.${key}`);
      }
      return first;
    }
    const k = this.key(key);
    this.out += first ? k.prefix : ',' + k.prefix;
    if (k.secret) this.out += '"[REDACTED]"';
    else {
      this.keys.push(key);
      this.value(value, depth);
      this.keys.pop();
    }
    return false;
  }

  private value(v: unknown, depth: number): void {
    switch (typeof v) {
      case 'string':
        this.out += quote(v.length > this.limits.maxStringLength ? this.cutString(v) : v);
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
        // Exact as text: a double would silently round anything past 2^53.
        this.out += '"' + v.toString() + '"';
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
    return v.slice(0, this.limits.maxStringLength) + `…[cut ${v.length - this.limits.maxStringLength} characters]`;
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
      this.notes.warn(`${this.path()} could not be serialized: ${toText(e)}`);
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
    if (Array.isArray(o) || o instanceof Set) {
      const items = Array.isArray(o) ? o : [...o];
      this.out += '[';
      const n = Math.min(items.length, this.limits.maxEntries);
      for (let i = 0; i < n; i++) {
        if (i > 0) this.out += ',';
        if (this.out.length > this.limits.maxBytes) {
          this.out += '"[cut]"';
          if (!this.cut) this.notes.warn(`metadata cut at ${this.limits.maxBytes} bytes, at ${this.path()}[${i}]`);
          this.cut = true;
          break;
        }
        this.keys.push(i);
        this.value(items[i], depth);
        this.keys.pop();
      }
      if (items.length > n) {
        this.notes.warn(`${this.path()} had ${items.length} entries; first ${n} written`);
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
        first = this.member(typeof k === 'string' ? k : toText(k), val, depth, first);
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
      first = this.member(key, readProp(o, key, this.notes), depth, first);
    }
    this.out += '}';
  }

  private error(e: Error, depth: number): void {
    this.out += '{';
    let first = true;
    first = this.member('name', readProp(e, 'name', this.notes), depth, first);
    first = this.member('message', readProp(e, 'message', this.notes), depth, first);
    first = this.member('stack', readProp(e, 'stack', this.notes), depth, first);
    for (const key of Object.keys(e)) {
      if (key === 'name' || key === 'message' || key === 'stack') continue;
      first = this.member(key, readProp(e, key, this.notes), depth, first);
    }
    const cause = readProp(e, 'cause', this.notes);
    if (cause !== undefined && !Object.prototype.propertyIsEnumerable.call(e, 'cause')) {
      this.member('cause', cause, depth, first);
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
    notes.warn(`property ${key} could not be read: ${toText(e)}`);
    return '[Unreadable]';
  }
}
