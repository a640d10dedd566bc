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

/** The fields read, top level first, then the metadata's: numbers of PlainLine's columns (FIELD). */
const TOP_NAMES = ['timestamp', 'event_id', 'event_type', 'level', 'session_id', 'latency_ms', 'metadata'];
const META_NAMES = ['status_code', 'status'];
const METADATA = TOP_NAMES.indexOf('metadata');
const FIELDS = TOP_NAMES.length + META_NAMES.length;
/** Values that make a row rich (a ValueRecord): a line holding any of them goes through JSON.parse. */
const RICH_TOP = ['portfolio_value', 'portfolio_heat', 'daily_pnl'];
const RICH_META = ['portfolio_heat', 'daily_pnl'];
const RICH = -2;

/** Value kinds. */
/** Value kinds: a string without escapes (its text is between `start` and `end`), one with escapes, a number, an object (metadata, whose members are read), anything else. */
export const V = { STRING: 1, ESCAPED: 2, NUMBER: 3, OBJECT: 4, OTHER: 5 } as const;

interface Key {
  readonly bytes: Uint8Array;
  readonly id: number;
}

/** Names by length, for a key compared in place (no string made for it). */
function byLength(names: readonly string[], rich: readonly string[]): Key[][] {
  const out: Key[][] = [];
  const put = (name: string, id: number): void => {
    (out[name.length] ??= []).push({ bytes: Buffer.from(name, 'latin1'), id });
  };
  names.forEach((name, id) => put(name, id));
  for (const name of rich) put(name, RICH);
  return out;
}
const TOP_BY_LENGTH = byLength(TOP_NAMES, RICH_TOP);
const META_BY_LENGTH = byLength(META_NAMES, RICH_META);

/** The id of the key b[s, e) (quotes excluded) among `table`, RICH, or -1. */
function keyId(b: Uint8Array, s: number, e: number, table: readonly Key[][]): number {
  const list = table[e - s];
  if (list === undefined) return -1;
  next: for (const k of list) {
    const name = k.bytes;
    for (let j = 0; j < name.length; j++) if (b[s + j] !== name[j]) continue next;
    return k.id;
  }
  return -1;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * A JSON number's value (its syntax already checked): exact without a string when it has at
 * most 15 digits and no exponent (both the digits and the power of ten are exact doubles, and
 * one division rounds correctly, as Number() does), else Number() of its text.
 */
export function numberAt(line: string, s: number, e: number): number {
  let i = s;
  const neg = line.charCodeAt(i) === 45;
  if (neg) i++;
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; i < e; i++) {
    const c = line.charCodeAt(i);
    if (c === 46) frac = 0;
    else if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (frac >= 0) frac++;
    } else return Number(line.slice(s, e));
  }
  if (digits > 15) return Number(line.slice(s, e));
  const v = frac > 0 ? m / POW10[frac]! : m;
  return neg ? -v : v;
}

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
 * The positions of one line's fields, reused from line to line (one scanner per reader: a
 * segment builder copies what it keeps before the next line). The line is read from its
 * bytes (ASCII: a byte per character): indexing a byte array is several times cheaper than
 * charCodeAt on a line sliced from a chunk's text.
 */
export class PlainLine {
  line = '';
  /** Per field (FIELD): start and end of its value in `line` (strings: inside the quotes), and its kind (0: absent). */
  readonly start = new Int32Array(FIELDS);
  readonly end = new Int32Array(FIELDS);
  readonly kind = new Uint8Array(FIELDS);
  /** The end of the line in the bytes: nothing at or past it is read as part of it. */
  private n = 0;
  /** Whether the last string scanned had an escape. */
  private escaped = false;
  /** Containers open while skipping a nested value (1 object, 2 array). */
  private stack = new Uint8Array(64);

  /**
   * Whether `line`, whose bytes (ASCII) are b[at, at + line.length), is a plain event line read
   * here (see the top of this file); its fields are then set, as positions in `line`.
   */
  scan(line: string, b: Uint8Array, at: number): boolean {
    this.line = line;
    this.kind.fill(0);
    const n = at + line.length;
    this.n = n;
    const i = this.members(b, at, 0);
    if (i < 0 || this.ws(b, i) !== n) return false;
    for (let f = 0; f < FIELDS; f++) {
      this.start[f]! -= at;
      this.end[f]! -= at;
    }
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
    const table = meta === 0 ? TOP_BY_LENGTH : META_BY_LENGTH;
    const base = meta === 0 ? 0 : TOP_NAMES.length;
    for (;;) {
      if (b[i] !== 34) return -1;
      const ks = i + 1;
      i = this.str(b, i);
      // A key of ours spelled with escapes would be missed here: JSON.parse reads such lines.
      if (i < 0 || this.escaped) return -1;
      const id = keyId(b, ks, i - 1, table);
      if (id === RICH) return -1;
      i = this.ws(b, i);
      if (b[i] !== 58) return -1;
      i = this.ws(b, i + 1);
      const vs = i;
      const c = b[i]!;
      let kind: number;
      if (meta === 0 && id === METADATA && c === 123) {
        i = this.members(b, i, 1);
        kind = V.OBJECT;
      } else {
        i = this.value(b, i);
        kind = c === 34 ? (this.escaped ? V.ESCAPED : V.STRING) : c === 45 || (c >= 48 && c <= 57) ? V.NUMBER : V.OTHER;
      }
      if (i < 0) return -1;
      if (id >= 0) {
        const f = base + id;
        if (this.kind[f] !== 0) return -1; // JSON.parse keeps the last of repeated keys: left to it
        this.kind[f] = kind;
        this.start[f] = kind === V.STRING ? vs + 1 : vs;
        this.end[f] = kind === V.STRING ? i - 1 : i;
      }
      i = this.ws(b, i);
      const d = b[i];
      if (d === 125) return i + 1;
      if (d !== 44) return -1;
      i = this.ws(b, i + 1);
    }
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
    this.escaped = false;
    const n = this.n;
    for (i++; i < n; i++) {
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

/** PlainLine's column of each field. */
export const FIELD = {
  timestamp: 0, event_id: 1, event_type: 2, level: 3, session_id: 4, latency_ms: 5, metadata: 6,
  status_code: TOP_NAMES.length, status: TOP_NAMES.length + 1,
} as const;
