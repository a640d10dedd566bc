import { isUtf8 } from 'node:buffer';
import { DEFAULT_READ_LIMITS, type ReadLimits } from './limits.js';
import { LineSplitter, readLine, type LineSink } from './lines.js';
import { streamFile, type FileSegments } from './reader.js';
import { SegmentBuilder, tradeRowsOnly } from './segment.js';

// The trading events of a file that a ranged load leaves out (every event before its start):
// linking needs them (an entry made days before the range links to an exit in it), nothing
// else does. Parsing the whole file for them costs what the ranged load saves, so only the
// lines that may be a trading event are parsed; the rest are skipped as bytes.
//
// Exact: the seven trading types (segment.ts TRADE_EVENT_TYPES) all contain one of the
// names below; a JSON string spells its characters as themselves or as escapes, and the
// only escape that gives a letter or `_` is `\uXXXX` (the others give `"`, `\`, `/` and
// control characters, none in a type name). So a line whose event_type is a trading type
// holds the type's name as bytes, or a `\u`; the key spelled with escapes holds a `\u` too.
// A line with none of these bytes is never a trading event, whatever else it holds.

/** What a line must hold (as bytes) to be parsed. */
export const TRADE_NEEDLES: readonly string[] = ['trade_', 'position_adjusted', 'stop_loss_hit', 'take_profit_hit', '\\u'];
const NEEDLES = TRADE_NEEDLES.map((s) => Buffer.from(s, 'latin1'));

/** Larger than the parser's chunks: fewer calls per byte, and most bytes are only searched. */
const CHUNK = 1 << 20;

/**
 * Splits a byte stream into lines as lines.ts's LineSplitter does (complete lines only, a
 * byte order mark at the start skipped, over-long lines skipped), but reads only the lines
 * that hold one of TRADE_NEEDLES. Lines are found from the needles: each needle is searched
 * once over the bytes (Buffer.indexOf), and only a line around a hit is decoded.
 */
export class TradeLineFilter extends LineSplitter {
  constructor(sink: LineSink, maxLineBytes = DEFAULT_READ_LIMITS.maxLineBytes) {
    super(sink, true, maxLineBytes);
  }

  protected override readRun(buf: Buffer, start: number, end: number): void {
    if (start >= end) return;
    const next = NEEDLES.map((n) => buf.indexOf(n, start));
    for (;;) {
      let hit = -1;
      for (const at of next) if (at >= 0 && at < end && (hit < 0 || at < hit)) hit = at;
      if (hit < 0) return;
      const from = hit === start ? start : Math.max(start, buf.lastIndexOf(10, hit - 1) + 1);
      const to = buf.indexOf(10, hit);
      if (to - from <= this.maxLineBytes) this.line(buf.subarray(from, to));
      const after = to + 1;
      if (after >= end) return;
      for (let i = 0; i < next.length; i++) if (next[i]! >= 0 && next[i]! < after) next[i] = buf.indexOf(NEEDLES[i]!, after);
    }
  }

  protected override readOne(bytes: Buffer): void {
    if (NEEDLES.some((n) => bytes.includes(n))) this.line(bytes);
  }

  /** A line as bytes (no `\n`), as the reader takes it: not UTF-8 is a bad line, never an event. */
  private line(bytes: Buffer): void {
    if (isUtf8(bytes)) readLine(bytes.toString('utf8'), this.sink);
  }
}

/**
 * The trading rows of a whole file (tradeRowsOnly of what a full read would give), read
 * through TradeLineFilter. Its bad lines are not counted (the caller leaves the file out);
 * a read problem (a damaged gzip, the inflate limit) is in the result.
 */
export async function readTradeRows(path: string, gz: boolean, limits: ReadLimits = DEFAULT_READ_LIMITS): Promise<FileSegments> {
  const builder = new SegmentBuilder(path, 256);
  const filter = new TradeLineFilter(builder, limits.maxLineBytes);
  const problem = await streamFile(path, gz, 0, (b) => filter.push(b), CHUNK, limits);
  return { segment: tradeRowsOnly(builder.finish()), endOffset: 0, problems: problem === undefined ? [] : [problem] };
}
