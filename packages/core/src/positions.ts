import { randomBytes } from 'node:crypto';

/** Open positions the logger keeps track of, at most, before it forgets the oldest. */
export const DEFAULT_MAX_OPEN_POSITIONS = 10_000;

/**
 * A position the logger gave an id to and that no exit or cancel has closed yet: a node of
 * its symbol's list and of the list of all (oldest first, for forgetting).
 */
interface Open {
  readonly id: string;
  /** The counter of the id: the key of byId (a small integer hashes for free, the string would be hashed). */
  readonly n: number;
  readonly symbol: string;
  /** The entry's order id, for a cancel that names it; undefined when not a short string. */
  readonly orderId: string | undefined;
  older: Open | undefined;
  newer: Open | undefined;
  olderOfAll: Open | undefined;
  newerOfAll: Open | undefined;
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
  /** Every open position, by the counter of its id. */
  private readonly byId = new Map<number, Open>();
  private readonly bySymbol = new Map<string, Fifo>();
  /**
   * All open positions, oldest first. A list of its own: the Map's first entry would do in
   * theory, but a Map keeps deleted entries until it rehashes and iteration walks over them,
   * so reading the oldest after many exits cost time in proportion to them.
   */
  private oldestOfAll: Open | undefined;
  private newestOfAll: Open | undefined;
  /** Positions forgotten because `limit` were open. */
  private forgotten = 0;

  constructor(
    private readonly limit: number,
    private readonly maxLength: number,
    private readonly onForget: () => void,
  ) {}

  /** A new id, unique to this logger (and, by its 64 random bits, in practice to every session). */
  newId(): string {
    return this.prefix + (++this.counter).toString(36);
  }

  /** The counter of one of this logger's ids, or -1. */
  private counterOf(id: string): number {
    if (!id.startsWith(this.prefix)) return -1;
    const n = parseInt(id.slice(this.prefix.length), 36);
    // parseInt stops at the first character that is not a digit: only the exact form is ours.
    return n > 0 && id === this.prefix + n.toString(36) ? n : -1;
  }

  /** An entry: a new id, kept open under its symbol when it has one an exit can name. */
  open(symbol: unknown, orderId: unknown): string {
    const id = this.newId();
    if (typeof symbol !== 'string' || symbol.length > this.maxLength) return id;
    if (this.byId.size >= this.limit) this.forgetOldest();
    const order = typeof orderId === 'string' && orderId.length <= this.maxLength ? orderId : undefined;
    const n = this.counter;
    const node: Open = { id, n, symbol, orderId: order, older: undefined, newer: undefined, olderOfAll: this.newestOfAll, newerOfAll: undefined };
    this.byId.set(n, node);
    if (this.newestOfAll === undefined) this.oldestOfAll = node;
    else this.newestOfAll.newerOfAll = node;
    this.newestOfAll = node;
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
    const n = this.counterOf(id);
    const node = n === -1 ? undefined : this.byId.get(n);
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
      for (node = this.oldestOfAll; node !== undefined && node.orderId !== orderId; node = node.newerOfAll);
    }
    if (node === undefined) return undefined;
    this.remove(node);
    return node.id;
  }

  private remove(node: Open): void {
    this.byId.delete(node.n);
    const fifo = this.bySymbol.get(node.symbol)!;
    if (node.older === undefined) {
      if (node.newer === undefined) this.bySymbol.delete(node.symbol);
      else fifo.oldest = node.newer;
    } else node.older.newer = node.newer;
    if (node.newer === undefined) {
      if (node.older !== undefined) fifo.newest = node.older;
    } else node.newer.older = node.older;
    if (node.olderOfAll === undefined) this.oldestOfAll = node.newerOfAll;
    else node.olderOfAll.newerOfAll = node.newerOfAll;
    if (node.newerOfAll === undefined) this.newestOfAll = node.olderOfAll;
    else node.newerOfAll.olderOfAll = node.olderOfAll;
  }

  private forgetOldest(): void {
    const oldest = this.oldestOfAll;
    if (oldest === undefined) return;
    this.remove(oldest);
    if (this.forgotten++ === 0) this.onForget();
  }
}
