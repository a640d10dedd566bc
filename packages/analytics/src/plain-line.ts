// Most lines of a log are plain events: an API call, a health check, a DEBUG or INFO event,
// none of them a trade or an error, none carrying portfolio values. Of such a line a segment
// keeps a few columns (time, id, type, level, session, latency, two metadata fields), and
// JSON.parse made the whole object (a dozen members, the metadata object, every string) to
// read them: most of a first report's CPU and of an evaluation's after appends, with the
// garbage collection behind it. PlainLine reads those few fields in place instead, and checks
// the rest of the line as strictly as JSON.parse (RFC 8259: whitespace, string escapes and
// control characters, number syntax, literals, nesting) without building anything.
//
// It is a fast path, never a second definition: a line it does not take whole (invalid,
// another shape, a duplicated or escaped key it reads, a trade, an error, a value field, an id
// that is not a canonical UUID...) goes through JSON.parse as before, which then decides.
// So it need only be right about what it takes, and a test compares both on random lines.

import { viewOf } from './view.js';

/** The fields read, top level first, then the metadata's; their places are PlainLine's columns (FIELD). */
const TOP_NAMES = ['timestamp', 'event_id', 'event_type', 'level', 'session_id', 'latency_ms', 'metadata'] as const;
const META_NAMES = ['status_code', 'status'] as const;
const FIELDS = TOP_NAMES.length + META_NAMES.length;

/** PlainLine's column of each field. */
export const FIELD = Object.fromEntries([...TOP_NAMES, ...META_NAMES].map((name, i) => [name, i])) as Readonly<Record<(typeof TOP_NAMES)[number] | (typeof META_NAMES)[number], number>>;
/** Values that make a row rich (a ValueRecord): a line holding any of them goes through JSON.parse. */
const RICH_TOP = ['portfolio_value', 'portfolio_heat', 'daily_pnl'];
const RICH_META = ['portfolio_heat', 'daily_pnl'];
const RICH = -2;

/** Value kinds: a string without escapes (its text is between `start` and `end`), one with escapes, a number, an object (metadata, whose members are read), anything else. */
export const V = { STRING: 1, ESCAPED: 2, NUMBER: 3, OBJECT: 4, OTHER: 5 } as const;

/** Names by length as bytes, each with an id, to name a run of bytes without making a string of it. */
export type Names = readonly (readonly { readonly bytes: Uint8Array; readonly id: number }[] | undefined)[];

export function names(entries: Iterable<readonly [string, number]>): Names {
  const out: { bytes: Uint8Array; id: number }[][] = [];
  for (const [name, id] of entries) (out[name.length] ??= []).push({ bytes: Buffer.from(name, 'latin1'), id });
  return out;
}
const TOP_KEYS = names([...TOP_NAMES.map((n, i) => [n, i] as const), ...RICH_TOP.map((n) => [n, RICH] as const)]);
const META_KEYS = names([...META_NAMES.map((n, i) => [n, i] as const), ...RICH_META.map((n) => [n, RICH] as const)]);

/** The id of b[s, e) among `table`, or -1. */
function nameId(b: Uint8Array, s: number, e: number, table: Names): number {
  const list = table[e - s];
  if (list === undefined) return -1;
  next: for (const k of list) {
    const name = k.bytes;
    for (let j = 0; j < name.length; j++) if (b[s + j] !== name[j]) continue next;
    return k.id;
  }
  return -1;
}

/** The text of b[s, e) (ASCII). */
function latin1(b: Uint8Array, s: number, e: number): string {
  return Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1');
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * A JSON number's value from its bytes b[s, e) (its syntax already checked): exact without a
 * string when it has at most 15 digits and no exponent (both the digits and the power of ten
 * are exact doubles, and one division rounds correctly, as Number() does), else Number() of
 * its text.
 */
export function numberAt(b: Uint8Array, s: number, e: number): number {
  let i = s;
  const neg = b[i] === 45;
  if (neg) i++;
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; i < e; i++) {
    const c = b[i]!;
    if (c === 46) frac = 0;
    else if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (frac >= 0) frac++;
    } else return Number(latin1(b, s, e));
  }
  if (digits > 15) return Number(latin1(b, s, e));
  const v = frac > 0 ? m / POW10[frac]! : m;
  return neg ? -v : v;
}

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = 10 + i;

/** A hex digit of a `\\u` escape (either case, unlike a canonical UUID's: HEX). */
function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

const TRUE = [116, 114, 117, 101];
const FALSE = [102, 97, 108, 115, 101];
const NULL = [110, 117, 108, 108];

/** Whether b[i..] spells `word`. */
function spells(b: Uint8Array, i: number, word: readonly number[]): boolean {
  for (let j = 0; j < word.length; j++) if (b[i + j] !== word[j]) return false;
  return true;
}

/**
 * Shapes kept, and the values and bytes around them a shape may hold. Lines of many shapes
 * (the Python DayBot's, the bench generator's) cost no more than before shapes: a line that
 * follows none is told at its first byte that differs, and the strings skipped four bytes at
 * a time make up for keeping its shape (bench/RESULTS.md, session 18).
 */
const MAX_SHAPES = 4;
const MAX_SHAPE_VALUES = 48;
const MAX_SHAPE_BYTES = 1024;

/**
 * The shape of a line PlainLine took: its bytes around its values (keys, colons, commas, the
 * braces of its metadata, whitespace, a string value's quotes) and, per value, whether it was a
 * string and which field it is. A logger writes most lines alike: the same keys in the same
 * order, only values differ. A line whose bytes around its values are the same as a shape's
 * has the same members, so the same keys read (none repeated, none escaped, none that makes a
 * row rich, as in the shape's line), and it is valid JSON exactly when each of its values is:
 * PlainLine.follows then compares those bytes, four at a time, and scans the values alone,
 * instead of each key, its name and the whitespace around it. Any other line is scanned in
 * full. Storage is kept and reused: a shape allocates only when made.
 */
class Shape {
  /** The bytes around the values, in order; before value j they end at aroundEnd[j], the last ones (after the last value) at aroundEnd[values]. */
  readonly around = new Uint8Array(MAX_SHAPE_BYTES);
  readonly aroundView = new DataView(this.around.buffer);
  readonly aroundEnd = new Int32Array(MAX_SHAPE_VALUES + 1);
  readonly string = new Uint8Array(MAX_SHAPE_VALUES);
  readonly field = new Int8Array(MAX_SHAPE_VALUES);
  values = 0;
  /** Whether the line's metadata was an object (its members among the values). */
  metadata = false;

  /**
   * Makes this the shape of b[at, end), whose `count` values are at b[starts[j], ends[j]) (a
   * string's from after its opening quote), strings where `strings[j]` is 1; the bytes around
   * them fit (PlainLine.keepShape checks).
   */
  keep(b: Uint8Array, at: number, end: number, count: number, starts: Int32Array, ends: Int32Array, strings: Uint8Array, fields: Int8Array, metadata: boolean): void {
    let k = 0;
    let from = at;
    for (let j = 0; j <= count; j++) {
      const to = j === count ? end : starts[j]!;
      this.around.set(b.subarray(from, to), k);
      k += to - from;
      this.aroundEnd[j] = k;
      if (j === count) break;
      this.string[j] = strings[j]!;
      this.field[j] = fields[j]!;
      from = ends[j]!;
    }
    this.values = count;
    this.metadata = metadata;
  }
}

/**
 * One line's fields, reused from line to line (one scanner per thread: a segment builder
 * takes what it keeps before the next line). The line is read from its bytes (ASCII: a
 * byte per character), never decoded whole: indexing a byte array is several times cheaper
 * than charCodeAt on a line sliced from a chunk's text, and the text of a plain line is
 * never needed.
 */
export class PlainLine {
  /** Lines that followed a shape, in every PlainLine of the thread (for tests and profiles). */
  static followed = 0;
  /** The bytes of the line last scanned; positions below index into them. */
  b: Uint8Array = new Uint8Array(0);
  /** Per field (FIELD): start and end of its value (strings: inside the quotes), and its kind (0: absent). */
  readonly start = new Int32Array(FIELDS);
  readonly end = new Int32Array(FIELDS);
  readonly kind = new Uint8Array(FIELDS);
  /** The end of the line in the bytes: nothing at or past it is read as part of it. */
  private n = 0;
  /** The shapes of lines taken lately, the last followed first (see Shape). */
  private readonly shapes: Shape[] = [];
  /** Per value of the line being scanned in full, in order (metadata's members among them): where it starts and ends, its field (-1: none read). */
  private recorded = 0;
  private readonly valueAt = new Int32Array(MAX_SHAPE_VALUES);
  private readonly valueEnd = new Int32Array(MAX_SHAPE_VALUES);
  private readonly valueString = new Uint8Array(MAX_SHAPE_VALUES);
  private readonly valueField = new Int8Array(MAX_SHAPE_VALUES);
  /** A view of b's memory, at which b starts (plainRun). */
  private view = viewOf(this.b);
  private offset = 0;
  /** Whether the last string scanned had an escape. */
  private escaped = false;
  private readonly words = new Uint32Array(4);
  /** Containers open while skipping a nested value (1 object, 2 array). */
  private stack = new Uint8Array(64);

  /**
   * Whether b[at, end) (ASCII, without its `\n`) is a plain event line read here (see the top
   * of this file); its fields are then set.
   */
  scan(b: Uint8Array, at: number, end: number): boolean {
    this.b = b;
    this.n = end;
    this.view = viewOf(b);
    this.offset = b.byteOffset;
    const shapes = this.shapes;
    for (let k = 0; k < shapes.length; k++) {
      const shape = shapes[k]!;
      this.kind.fill(0);
      if (!this.follows(shape, b, at, end)) continue;
      if (k > 0) {
        shapes.copyWithin(1, 0, k);
        shapes[0] = shape;
      }
      PlainLine.followed++;
      return true;
    }
    this.kind.fill(0);
    this.recorded = 0;
    const i = this.members(b, at, 0);
    const taken = i >= 0 && this.ws(b, i) === end;
    if (taken && this.recorded <= MAX_SHAPE_VALUES) this.keepShape(b, at, end);
    return taken;
  }

  /** The id of field f's string among `table`, or -1. */
  nameOf(f: number, table: Names): number {
    return nameId(this.b, this.start[f]!, this.end[f]!, table);
  }

  /** Field f's string. */
  text(f: number): string {
    return latin1(this.b, this.start[f]!, this.end[f]!);
  }

  /** Field f's number. */
  number(f: number): number {
    return numberAt(this.b, this.start[f]!, this.end[f]!);
  }

  /** Whether field f's string is `bytes`. */
  is(f: number, bytes: Uint8Array): boolean {
    const s = this.start[f]!;
    if (this.end[f]! - s !== bytes.length) return false;
    for (let j = 0; j < bytes.length; j++) if (this.b[s + j] !== bytes[j]) return false;
    return true;
  }

  /** Writes field f, a canonical lower-case UUID, as 128 bits into out[o..o+4) (segment.ts uuidWords); false for any other string. */
  uuid(f: number, out: Uint32Array, o: number): boolean {
    const b = this.b;
    const s = this.start[f]!;
    if (this.end[f]! - s !== 36) return false;
    // 8-4-4-4-12 hex digits, the dashes skipped: four words of eight digits, written once all are read.
    const words = this.words;
    let word = 0;
    let digits = 0;
    for (let i = 0; i < 36; i++) {
      const c = b[s + i]!;
      if (i === 8 || i === 13 || i === 18 || i === 23) {
        if (c !== 45) return false;
        continue;
      }
      const h = HEX[c]!;
      if (h < 0) return false;
      word = word * 16 + h;
      if (++digits % 8 === 0) {
        words[digits / 8 - 1] = word;
        word = 0;
      }
    }
    out.set(words, o);
    return true;
  }

  /**
   * The members of the object at b[i] (`{`), those of the top level (meta 0) or of its
   * metadata (meta 1) recorded: the index after its `}`, or -1 where the line is not taken.
   */
  private members(b: Uint8Array, i: number, meta: 0 | 1): number {
    if (b[i] !== 123) return -1;
    i = this.ws(b, i + 1);
    if (b[i] === 125) return i + 1;
    const table = meta === 0 ? TOP_KEYS : META_KEYS;
    const base = meta === 0 ? 0 : TOP_NAMES.length;
    for (;;) {
      if (b[i] !== 34) return -1;
      const ks = i + 1;
      i = this.str(b, i);
      // A key of ours spelled with escapes would be missed here: JSON.parse reads such lines.
      if (i < 0 || this.escaped) return -1;
      const id = nameId(b, ks, i - 1, table);
      if (id === RICH) return -1;
      i = this.ws(b, i);
      if (b[i] !== 58) return -1;
      i = this.ws(b, i + 1);
      const vs = i;
      const c = b[i]!;
      let kind: number;
      if (meta === 0 && id === FIELD.metadata && c === 123) {
        i = this.members(b, i, 1);
        kind = V.OBJECT;
      } else {
        i = this.value(b, i);
        kind = c === 34 ? (this.escaped ? V.ESCAPED : V.STRING) : c === 45 || (c >= 48 && c <= 57) ? V.NUMBER : V.OTHER;
        // Where the value is, for a shape of this line (keepShape); a string's opening quote is part of the shape.
        const r = this.recorded++;
        if (r < MAX_SHAPE_VALUES) {
          this.valueAt[r] = c === 34 ? vs + 1 : vs;
          this.valueEnd[r] = i;
          this.valueString[r] = c === 34 ? 1 : 0;
          this.valueField[r] = id >= 0 ? base + id : -1;
        }
      }
      if (i < 0) return -1;
      if (id >= 0 && !this.set(base + id, kind, vs, i)) return -1;
      i = this.ws(b, i);
      const d = b[i];
      if (d === 125) return i + 1;
      if (d !== 44) return -1;
      i = this.ws(b, i + 1);
    }
  }

  /**
   * Records field f's value, of the given kind, at b[vs, i) (a string's quotes left out, an
   * escaped one's kept: its text is not read); false if the field was already set (JSON.parse
   * keeps the last of repeated keys: such a line is left to it). Of the metadata object, only
   * that it is one: its members are fields of their own.
   */
  private set(f: number, kind: number, vs: number, i: number): boolean {
    if (this.kind[f] !== 0) return false;
    this.kind[f] = kind;
    if (kind === V.OBJECT) return true;
    this.start[f] = kind === V.STRING ? vs + 1 : vs;
    this.end[f] = kind === V.STRING ? i - 1 : i;
    return true;
  }

  /**
   * Whether the line b[at, end) has `shape`: the same bytes as the shape's line around its
   * values, and valid values of the same places (a string where that line had one), as the
   * full scan would read them. Its fields are then set.
   */
  private follows(shape: Shape, b: Uint8Array, at: number, end: number): boolean {
    const v = this.view;
    const o = this.offset;
    const around = shape.around;
    const av = shape.aroundView;
    let i = at;
    let k = 0;
    for (let j = 0; ; j++) {
      // The bytes before value j (after the last one: the end of the line), four at a time.
      const ke = shape.aroundEnd[j]!;
      if (i + ke - k > end) return false;
      for (; k + 4 <= ke; k += 4, i += 4) if (v.getInt32(o + i, true) !== av.getInt32(k, true)) return false;
      for (; k < ke; k++, i++) if (b[i] !== around[k]) return false;
      if (j === shape.values) {
        if (i !== end) return false;
        if (shape.metadata) this.kind[FIELD.metadata] = V.OBJECT;
        return true;
      }
      const vs = i;
      let kind: number;
      if (shape.string[j] === 1) {
        i = this.stringRest(b, i);
        kind = this.escaped ? V.ESCAPED : V.STRING;
      } else {
        const c = b[i]!;
        // Metadata that is an object here where the shape's line had another value: its members are read by the full scan.
        if (c === 123 && shape.field[j] === FIELD.metadata) return false;
        i = this.value(b, i);
        kind = c === 34 ? (this.escaped ? V.ESCAPED : V.STRING) : c === 45 || (c >= 48 && c <= 57) ? V.NUMBER : V.OTHER;
      }
      if (i < 0) return false;
      const f = shape.field[j]!;
      // A string's opening quote was one of the bytes before it: set() takes the value from there.
      if (f >= 0) this.set(f, kind, shape.string[j] === 1 ? vs - 1 : vs, i);
    }
  }

  /** The line just scanned whole, b[at, end), as the first shape (the least recently followed one's place reused). */
  private keepShape(b: Uint8Array, at: number, end: number): void {
    const count = this.recorded;
    let bytes = end - at;
    for (let j = 0; j < count; j++) bytes -= this.valueEnd[j]! - this.valueAt[j]!;
    if (bytes > MAX_SHAPE_BYTES) return;
    const shapes = this.shapes;
    const shape = shapes.length < MAX_SHAPES ? new Shape() : shapes.pop()!;
    shape.keep(b, at, end, count, this.valueAt, this.valueEnd, this.valueString, this.valueField, this.kind[FIELD.metadata] === V.OBJECT);
    shapes.unshift(shape);
  }

  /** Past the whitespace at b[i], up to the line's end. */
  private ws(b: Uint8Array, i: number): number {
    const n = this.n;
    while (i < n) {
      const c = b[i]!;
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return i;
      i++;
    }
    return i;
  }

  /** The string at b[i] (`"`): the index after its closing quote, or -1 if it is not valid JSON; sets `escaped`. */
  private str(b: Uint8Array, i: number): number {
    return this.stringRest(b, i + 1);
  }

  /** The rest of a string from b[i], after its opening quote: as str(). */
  private stringRest(b: Uint8Array, i: number): number {
    this.escaped = false;
    const n = this.n;
    for (i = this.plainRun(b, i); i < n; i++) {
      const c = b[i]!;
      if (c === 34) return i + 1;
      if (c < 32) return -1;
      if (c !== 92) continue;
      this.escaped = true;
      const d = b[++i];
      if (d === 117) {
        if (!(i + 4 < n && isHex(b[i + 1]!) && isHex(b[i + 2]!) && isHex(b[i + 3]!) && isHex(b[i + 4]!))) return -1;
        i += 4;
      } else if (!(d === 34 || d === 92 || d === 47 || d === 98 || d === 102 || d === 110 || d === 114 || d === 116)) return -1;
    }
    return -1;
  }

  /**
   * Past the bytes from b[i] that a string holds as they are (neither `"`, `\\` nor a control
   * byte), four at a time, up to the word that holds another byte or the line's end: most of a
   * line is strings (its message, ids, names, the chain link), and a word's test costs about
   * what one byte's did. The bytes are ASCII (lines.ts reads only ASCII runs here), so a byte
   * below 0x20 shows as the high bit of (w - 0x20202020) & ~w, and one equal to c as that of
   * x - 0x01010101 & ~x for x = w ^ c·0x01010101 (exact about whether there is one, which is
   * all this asks: the bytes of a word with one are then read one by one).
   */
  private plainRun(b: Uint8Array, i: number): number {
    const v = this.view;
    const o = this.offset;
    for (const last = this.n - 4; i <= last; i += 4) {
      const w = v.getInt32(o + i, true);
      const q = w ^ 0x22222222;
      const s = w ^ 0x5c5c5c5c;
      if ((((w - 0x20202020) & ~w) | ((q - 0x01010101) & ~q) | ((s - 0x01010101) & ~s)) & 0x80808080) return i;
    }
    return i;
  }

  /** Whether b[i] is a digit of the line. */
  private digit(b: Uint8Array, i: number): boolean {
    const c = b[i]!;
    return i < this.n && c >= 48 && c <= 57;
  }

  /** The number at b[i]: the index after it, or -1 (RFC 8259: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?). */
  private num(b: Uint8Array, i: number): number {
    const n = this.n;
    if (b[i] === 45) i++;
    if (i < n && b[i] === 48) i++;
    else if (this.digit(b, i)) while (this.digit(b, ++i));
    else return -1;
    if (i < n && b[i] === 46) {
      if (!this.digit(b, ++i)) return -1;
      while (this.digit(b, ++i));
    }
    if (i < n && (b[i] === 101 || b[i] === 69)) {
      i++;
      if (i < n && (b[i] === 43 || b[i] === 45)) i++;
      if (!this.digit(b, i)) return -1;
      while (this.digit(b, ++i));
    }
    return i;
  }

  /** Any JSON value at b[i], nested ones without recursion: the index after it, or -1. */
  private value(b: Uint8Array, i: number): number {
    const n = this.n;
    let sp = 0;
    for (;;) {
      if (i >= n) return -1;
      let c = b[i]!;
      if (c === 123 || c === 91) {
        i = this.ws(b, i + 1);
        const close = c === 123 ? 125 : 93;
        if (i < n && b[i] === close) i++;
        else {
          if (sp === this.stack.length) {
            const more = new Uint8Array(sp * 2);
            more.set(this.stack);
            this.stack = more;
          }
          this.stack[sp++] = c === 123 ? 1 : 2;
          if (c === 123 && (i = this.key(b, i)) < 0) return -1;
          continue;
        }
      } else if (c === 34) i = this.str(b, i);
      else if (c === 45 || (c >= 48 && c <= 57)) i = this.num(b, i);
      else if (c === 116) i = i + 4 <= n && spells(b, i, TRUE) ? i + 4 : -1;
      else if (c === 102) i = i + 5 <= n && spells(b, i, FALSE) ? i + 5 : -1;
      else if (c === 110) i = i + 4 <= n && spells(b, i, NULL) ? i + 4 : -1;
      else return -1;
      if (i < 0) return -1;
      // After a value: close what ends here, or go on to the next member or element.
      for (;;) {
        if (sp === 0) return i; // `escaped` still tells of a string value
        i = this.ws(b, i);
        if (i >= n) return -1;
        c = b[i]!;
        const inObject = this.stack[sp - 1] === 1;
        if (c === 44) {
          i = this.ws(b, i + 1);
          if (inObject && (i = this.key(b, i)) < 0) return -1;
          break;
        }
        if (c !== (inObject ? 125 : 93)) return -1;
        sp--;
        i++;
      }
    }
  }

  /** A member's key and colon at b[i]: the index of its value, or -1. */
  private key(b: Uint8Array, i: number): number {
    if (b[i] !== 34 || i >= this.n) return -1;
    i = this.str(b, i);
    if (i < 0) return -1;
    i = this.ws(b, i);
    return i < this.n && b[i] === 58 ? this.ws(b, i + 1) : -1;
  }
}
