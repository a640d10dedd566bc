import { randomBytes } from 'node:crypto';

/** Open positions the logger keeps track of, at most, before it forgets the oldest. */
export const DEFAULT_MAX_OPEN_POSITIONS = 10_000;

/**
 * A position the logger gave an id to and that no exit or cancel has closed yet: a node of
 * its symbol's list and of the list of all (oldest first, for forgetting).
 */
interface Open {
  readonly id: string;
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
  private readonly bySymbol = new Map<string, Fifo>();
  /**
   * All open positions, oldest first. No map by id: it would cost a hash table insert and
   * delete on every trade (and a Map read oldest-first walks over the entries deleted since
   * it last rehashed); an exit naming an id finds it among its symbol's few open positions.
   */
  private oldestOfAll: Open | undefined;
  private newestOfAll: Open | undefined;
  private count = 0;
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

  /** An entry: a new id, kept open under its symbol when it has one an exit can name. */
  open(symbol: unknown, orderId: unknown): string {
    const id = this.newId();
    if (typeof symbol !== 'string' || symbol.length > this.maxLength) return id;
    if (this.count >= this.limit) this.forgetOldest();
    const order = typeof orderId === 'string' && orderId.length <= this.maxLength ? orderId : undefined;
    const node: Open = { id, symbol, orderId: order, older: undefined, newer: undefined, olderOfAll: this.newestOfAll, newerOfAll: undefined };
    this.count++;
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

  /**
   * An exit or cancel that names an id closes it, if it is one of ours (the caller passed back
   * the id an entry got): looked for among the open positions of its symbol, or of all when
   * it names none.
   */
  closeId(symbol: unknown, id: string): void {
    if (!id.startsWith(this.prefix)) return;
    const node = this.find(symbol, 'id', id);
    if (node !== undefined) this.remove(node);
  }

  /**
   * A `trade_cancelled`: the open position whose entry had this order id (of this symbol when
   * one is given), closed. A cancel of another order (an entry that never filled, a stop
   * order) names no position: guessing the oldest would close a position that is still open.
   */
  cancel(symbol: unknown, orderId: unknown): string | undefined {
    if (typeof orderId !== 'string') return undefined;
    const node = this.find(symbol, 'orderId', orderId);
    if (node === undefined) return undefined;
    this.remove(node);
    return node.id;
  }

  /** The oldest open position of the symbol (of all, when no symbol is given) whose field holds the value. */
  private find(symbol: unknown, field: 'id' | 'orderId', value: string): Open | undefined {
    let node: Open | undefined;
    if (typeof symbol === 'string') {
      for (node = this.bySymbol.get(symbol)?.oldest; node !== undefined && node[field] !== value; node = node.newer);
    } else if (symbol === undefined || symbol === null) {
      for (node = this.oldestOfAll; node !== undefined && node[field] !== value; node = node.newerOfAll);
    }
    return node;
  }

  private remove(node: Open): void {
    this.count--;
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
