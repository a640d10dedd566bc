/**
 * What the seed fixes about a run: events and app-log lines without what legitimately
 * differs between two runs with the same seed (times, ids and session ids, chain links, measured latencies,
 * and process facts: pid, host, paths, stack traces). Used to check reproducibility.
 */

const PROCESS_KEYS = new Set(['pid', 'hostname', 'log_dir', 'node_version', 'traceback', 'host']);

/** An audit event (a parsed line) without its run-specific fields. */
function normalizeEvent(e: Record<string, unknown>): Record<string, unknown> {
  const { timestamp: _t, event_id: _i, session_id: _s, hash: _h, latency_ms: _l, metadata, ...rest } = e;
  const meta = Object.fromEntries(Object.entries((metadata ?? {}) as Record<string, unknown>).filter(([k]) => !PROCESS_KEYS.has(k)));
  const message = typeof rest.message === 'string' ? rest.message.replace(/ \([\d.]+ms\)$/, '') : rest.message;
  return { ...rest, message, metadata: meta };
}

/**
 * Events without their run-specific fields, position ids included (the logger makes them
 * unique per run); each id becomes `position N`, N in order of first appearance, so that
 * which events share a position still has to be the same.
 */
export function normalizeEvents(events: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const positions = new Map<unknown, string>();
  return events.map((e) => {
    const n = normalizeEvent(e);
    if (n.position_id !== undefined) {
      let id = positions.get(n.position_id);
      if (id === undefined) positions.set(n.position_id, (id = `position ${positions.size + 1}`));
      n.position_id = id;
    }
    return n;
  });
}

/** An app-log line (`time | app | LEVEL | message<TAB>link`) without its time and link. */
export function normalizeAppLine(line: string): string {
  const body = line.split('\t')[0]!;
  return body.slice(body.indexOf(' | ') + 3);
}

/** The index of the first difference of two sequences over their common length, or -1. */
export function firstDifference(a: readonly unknown[], b: readonly unknown[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (JSON.stringify(a[i]) !== JSON.stringify(b[i])) return i;
  return -1;
}
