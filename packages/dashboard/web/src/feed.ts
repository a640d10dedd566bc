// The live feed: /audit/stream read with fetch (EventSource cannot send a Bearer token),
// parsed as Server-Sent Events, resumed with Last-Event-ID after a drop. With a filter set
// (type, level, symbol), the list is also filled from /audit/events for the selected range,
// so that it shows what the cards count, not only what arrived since the page was opened.
import eventSchema from '@daybook/core/schema/event.schema.json';
import { authHeaders, getJson, url } from './api.js';
import { scoped } from './scope.js';
import { byId, h, replace } from './dom.js';
import { fmt, shortTime, signClass, timeOf } from './format.js';
import { isoDay } from './range.js';
import type { AuditEvent } from './types.js';

const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];
const KEEP = 1000;
const SHOW = 150;

export type StreamStatus = 'connecting' | 'live' | 'retrying' | 'unauthorized';

/** Parses an SSE byte stream into events; returns when the stream ends. */
export async function readSse(body: ReadableStream<Uint8Array>, onEvent: (id: string | undefined, data: string) => void): Promise<void> {
  const reader = body.pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>).getReader();
  let buf = '';
  let id: string | undefined;
  let data: string[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let nl: number;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const line = buf.slice(0, nl).replace(/\r$/, '');
      buf = buf.slice(nl + 1);
      if (line === '') {
        if (data.length > 0) onEvent(id, data.join('\n'));
        data = [];
      } else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      else if (line.startsWith('id:')) id = line.slice(3).trim();
    }
  }
}

/** The dates of the range the page shows (YYYY-MM-DD, both included). */
export interface FeedRange { start: string; end: string }

/** What /audit/events answered for the current filters and range. */
type History = { state: 'loading' } | { state: 'loaded'; events: AuditEvent[]; more: boolean } | { state: 'failed'; message: string };

export class LiveFeed {
  private events: AuditEvent[] = [];
  private seen = new Set<string>();
  private lastId: string | undefined;
  private controller: AbortController | undefined;
  private retry = 500;
  private pending = false;
  /** Set while a filter is chosen: the range's matching events from the log. */
  private history: History | undefined;
  private historyController: AbortController | undefined;

  constructor(private readonly onEvent: (e: AuditEvent) => void, private readonly onStatus: (s: StreamStatus) => void, private readonly range: () => FeedRange) {
    for (const type of eventSchema.properties.event_type.enum) this.addOption('feed-type', type);
    for (const id of ['feed-type', 'feed-level', 'feed-symbol']) byId(id).addEventListener('change', () => this.refill());
  }

  private filters(): { type: string; level: string; symbol: string } {
    return { type: byId<HTMLSelectElement>('feed-type').value, level: byId<HTMLSelectElement>('feed-level').value, symbol: byId<HTMLSelectElement>('feed-symbol').value };
  }

  /**
   * Reads the selected range's events that match the filters (the latest SHOW) from
   * /audit/events; called when a filter or the range changes. Without a filter the feed
   * lists live events only, so opening the page never waits for the server's event index.
   */
  refill(): void {
    this.historyController?.abort();
    this.historyController = undefined;
    const f = this.filters();
    if (f.type === '' && f.level === '' && f.symbol === '') {
      this.history = undefined;
      this.render();
      return;
    }
    const controller = new AbortController();
    this.historyController = controller;
    this.history = { state: 'loading' };
    this.render();
    const r = this.range();
    getJson<{ events: AuditEvent[]; next_cursor: string | null }>('/audit/events', { start_date: r.start, end_date: r.end, event_types: f.type, level: f.level, symbol: f.symbol, limit: SHOW }, controller.signal).then(
      (page) => {
        if (controller.signal.aborted) return;
        this.history = { state: 'loaded', events: page.events, more: page.next_cursor !== null };
        this.render();
      },
      (e: unknown) => {
        if (controller.signal.aborted) return;
        this.history = { state: 'failed', message: e instanceof Error ? e.message : String(e) };
        this.render();
      },
    );
  }

  start(): void {
    this.stop();
    const controller = new AbortController();
    this.controller = controller;
    void this.connect(controller);
  }

  stop(): void {
    this.controller?.abort();
    this.controller = undefined;
  }

  /** Forgets the live events and follows the stream again (the fleet's bot or host changed). */
  reset(): void {
    this.stop();
    this.events = [];
    this.seen.clear();
    this.lastId = undefined;
    this.render();
    this.start();
  }

  private async connect(controller: AbortController): Promise<void> {
    while (!controller.signal.aborted) {
      this.onStatus('connecting');
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream', ...authHeaders() };
        if (this.lastId !== undefined) headers['last-event-id'] = this.lastId;
        const res = await fetch(url('/audit/stream', scoped({})), { headers, signal: controller.signal, cache: 'no-store' });
        if (res.status === 401 || res.status === 403) {
          this.onStatus('unauthorized');
          return;
        }
        if (!res.ok || res.body === null) throw new Error(`stream: HTTP ${res.status}`);
        this.onStatus('live');
        this.retry = 500;
        await readSse(res.body, (id, data) => this.receive(id, data));
      } catch {
        if (controller.signal.aborted) return;
      }
      this.onStatus('retrying');
      await new Promise((r) => setTimeout(r, this.retry));
      this.retry = Math.min(this.retry * 2, 10_000);
    }
  }

  private receive(id: string | undefined, data: string): void {
    if (id !== undefined) this.lastId = id;
    let e: AuditEvent;
    try {
      e = JSON.parse(data) as AuditEvent;
    } catch {
      return; // a comment or keep-alive payload
    }
    if (typeof e !== 'object' || e === null || typeof e.event_id !== 'string' || this.seen.has(e.event_id)) return;
    this.seen.add(e.event_id);
    this.events.push(e);
    if (this.events.length > KEEP * 1.5) {
      for (const old of this.events.splice(0, this.events.length - KEEP)) this.seen.delete(old.event_id);
    }
    this.addOption('feed-type', e.event_type);
    if (e.symbol !== undefined) this.addOption('feed-symbol', e.symbol);
    this.onEvent(e);
    if (!this.pending) {
      this.pending = true;
      requestAnimationFrame(() => {
        this.pending = false;
        this.render();
      });
    }
  }

  /** Adds a choice to a filter's select, keeping the choices sorted. */
  addOption(selectId: string, value: string): void {
    const select = byId<HTMLSelectElement>(selectId);
    if ([...select.options].some((o) => o.value === value)) return;
    const after = [...select.options].slice(1).find((o) => o.value > value);
    select.insertBefore(h('option', { value }, value), after ?? null);
  }

  render(): void {
    const { type, level, symbol } = this.filters();
    const minLevel = LEVELS.indexOf(level);
    const matches = (e: AuditEvent): boolean =>
      (type === '' || e.event_type === type) && (minLevel <= 0 || LEVELS.indexOf(String(e.level).toUpperCase()) >= minLevel) && (symbol === '' || e.symbol === symbol);
    const history = this.history?.state === 'loaded' ? this.history.events : [];
    // Live events and the log's answer overlap (an event written after the page opened is
    // in both): one row per event id, newest first.
    const unique = new Map<string, AuditEvent>();
    for (const e of [...history, ...this.events]) if (matches(e)) unique.set(e.event_id, e);
    const shown = [...unique.values()].sort((a, b) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0)).slice(0, SHOW);
    const note = byId('feed-note');
    const hist = this.history;
    note.textContent = hist === undefined ? 'new events, as they are logged' : hist.state === 'loading' ? 'reading the log…'
      : hist.state === 'failed' ? `could not read the log (${hist.message}); new events only`
      : hist.more ? `the latest ${SHOW} matching events of the range, then new ones` : `${fmt(hist.events.length, 'count')} matching event${hist.events.length === 1 ? '' : 's'} in the range, then new ones`;
    const list = byId('feed');
    if (shown.length === 0) {
      replace(list, h('li', { class: 'empty' }, hist !== undefined ? (hist.state === 'loading' ? 'Reading matching events…' : 'No event in this range matches these filters.') : this.events.length === 0 ? 'Waiting for new events… They appear here as soon as a bot logs them.' : 'No recent event matches these filters.'));
      return;
    }
    const today = isoDay(Date.now());
    replace(list, ...shown.map((e) => {
      const level = String(e.level).toUpperCase();
      return h('li', { 'data-event-id': e.event_id, 'data-type': e.event_type, class: `lvl-${level.toLowerCase()}` },
        h('time', { datetime: e.timestamp, title: e.timestamp }, e.timestamp.slice(0, 10) === today ? timeOf(e.timestamp) : shortTime(e.timestamp)),
        h('span', { class: `badge ${level.toLowerCase()}` }, level),
        h('span', { class: 'type' }, e.event_type),
        e.symbol !== undefined ? h('span', { class: 'sym' }, e.symbol) : null,
        typeof e.pnl === 'number' ? h('span', { class: `pnl ${signClass(e.pnl)}` }, fmt(e.pnl, 'money')) : null,
        h('span', { class: 'msg' }, e.message));
    }));
  }
}
