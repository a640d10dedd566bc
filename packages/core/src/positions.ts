import { randomBytes } from 'node:crypto';

/** Open positions the logger keeps track of, at most, before it forgets the oldest. */
export const DEFAULT_MAX_OPEN_POSITIONS = 10_000;

/** A position the logger gave an id to and that no exit or cancel has closed yet: a node of its symbol's list. */
interface Open {
  readonly id: string;
  readonly symbol: string;
  /** The entry's order id, for a cancel that names it; undefined when not a short string. */
  readonly orderId: string | undefined;
  older: Open | undefined;
  newer: Open | undefined;
}

interface Fifo {
  oldest: Open;
  newest: Open;
}

/**
 * The position ids an AuditLogger gives trade events that carry none, so that a bot that
 * never thought about ids still writes linked trades. The rule is the analyzer's rule for
 * logs without ids (metrics.md "Trades"), applied when the line is written: an entry opens
 * a position, the exits of its session and symbol take the oldest open one (first in, first
 * out), and a `trade_exit` closes it. The logger's session is fixed, so only the symbol keys.
 *
 * Memory is bounded: at most `limit` open positions are kept (a bot that logs entries and no
 * exits would otherwise grow without end); past it the oldest is forgotten, and `onForget`
 * is called the first time. Symbols and order ids longer than `maxLength` are not kept (they
 * are cut in the line anyway, and a cut would hold on to the caller's whole string).
 */
export class OpenPositions {
  /** Random per logger: ids of two sessions writing to one directory never meet. */
  private readonly prefix = 'pos_' + randomBytes(8).toString('hex') + '_';
  private counter = 0;
  /** Every open position by id, oldest first (a Map keeps insertion order). */
  private readonly byId = new Map<string, Open>();
  private readonly bySymbol = new Map<string, Fifo>();
  /** Positions forgotten because `limit` were open. */
  forgotten = 0;

  constructor(
    private readonly limit: number,
    private readonly maxLength: number,
    private readonly onForget: () => void,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  /** A new id, unique to this logger (and, by its 64 random bits, in practice to every session). */
  newId(): string {
    return this.prefix + (++this.counter).toString(36);
  }

  /** An entry: a new id, kept open under its symbol when it has one an exit can name. */
  open(symbol: unknown, orderId: unknown): string {
    const id = this.newId();
    if (typeof symbol !== 'string' || symbol.length > this.maxLength) return id;
    if (this.byId.size >= this.limit) this.forgetOldest();
    const order = typeof orderId === 'string' && orderId.length <= this.maxLength ? orderId : undefined;
    const node: Open = { id, symbol, orderId: order, older: undefined, newer: undefined };
    this.byId.set(id, node);
    const fifo = this.bySymbol.get(symbol);
    if (fifo === undefined) this.bySymbol.set(symbol, { oldest: node, newest: node });
    else {
      node.older = fifo.newest;
      fifo.newest.newer = node;
      fifo.newest = node;
    }
    return id;
  }

  /** The oldest open position of the symbol (a partial exit, an adjustment, a stop or target hit), left open. */
  oldest(symbol: unknown): string | undefined {
    return typeof symbol === 'string' ? this.bySymbol.get(symbol)?.oldest.id : undefined;
  }

  /** A `trade_exit`: the oldest open position of the symbol, closed. */
  close(symbol: unknown): string | undefined {
    if (typeof symbol !== 'string') return undefined;
    const node = this.bySymbol.get(symbol)?.oldest;
    if (node === undefined) return undefined;
    this.remove(node);
    return node.id;
  }

  /** An event that names an id closes it, if it is one of ours: the caller passed back the id an entry got. */
  closeId(id: string): void {
    const node = this.byId.get(id);
    if (node !== undefined) this.remove(node);
  }

  /**
   * A `trade_cancelled`: the open position whose entry had this order id (of this symbol when
   * one is given), closed. A cancel of another order (an entry that never filled, a stop
   * order) names no position: guessing the oldest would close a position that is still open.
   */
  cancel(symbol: unknown, orderId: unknown): string | undefined {
    if (typeof orderId !== 'string') return undefined;
    let node: Open | undefined;
    if (typeof symbol === 'string') {
      for (node = this.bySymbol.get(symbol)?.oldest; node !== undefined && node.orderId !== orderId; node = node.newer);
    } else if (symbol === undefined || symbol === null) {
      for (const n of this.byId.values()) {
        if (n.orderId === orderId) {
          node = n;
          break;
        }
      }
    }
    if (node === undefined) return undefined;
    this.remove(node);
    return node.id;
  }

  private remove(node: Open): void {
    this.byId.delete(node.id);
    const fifo = this.bySymbol.get(node.symbol)!;
    if (node.older === undefined) {
      if (node.newer === undefined) this.bySymbol.delete(node.symbol);
      else fifo.oldest = node.newer;
    } else node.older.newer = node.newer;
    if (node.newer === undefined) {
      if (node.older !== undefined) fifo.newest = node.older;
    } else node.newer.older = node.older;
  }

  private forgetOldest(): void {
    const oldest = this.byId.values().next().value;
    if (oldest === undefined) return;
    this.remove(oldest);
    if (this.forgotten++ === 0) this.onForget();
  }
}
