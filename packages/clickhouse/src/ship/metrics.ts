import { Counter, Gauge, Registry } from 'prom-client';
import { FAILURE_CAUSES } from './failure.js';

// The shipper's Prometheus metrics (`daybook ship --metrics-port`): a counter for every
// failure, by cause, beside what was shipped. Each Shipper has its own registry unless given
// one, so that two shippers in a process (tests) never share counts.

export class ShipMetrics {
  readonly registry: Registry;
  readonly events: Counter;
  readonly inserts: Counter;
  readonly insertedBytes: Counter;
  readonly failures: Counter<'cause'>;
  readonly rejected: Counter;
  readonly badLines: Counter<'dir' | 'kind'>;
  readonly appLines: Counter<'dir'>;
  readonly lagSeconds: Gauge;

  constructor(registry = new Registry()) {
    this.registry = registry;
    const r = [registry];
    this.events = new Counter({ name: 'daybook_ship_events_total', help: 'Event lines acknowledged by ClickHouse (a line inserted twice after a crash counts twice).', registers: r });
    this.inserts = new Counter({ name: 'daybook_ship_inserts_total', help: 'Inserts acknowledged by ClickHouse.', registers: r });
    this.insertedBytes = new Counter({ name: 'daybook_ship_inserted_bytes_total', help: 'Bytes of JSONEachRow acknowledged by ClickHouse.', registers: r });
    this.failures = new Counter({ name: 'daybook_ship_failures_total', help: 'Failures by cause (unreachable, auth, schema, rejected, server, file); each also printed on stderr.', labelNames: ['cause'], registers: r });
    this.rejected = new Counter({ name: 'daybook_ship_rejected_lines_total', help: 'Event lines ClickHouse refused (named on stderr) and not shipped.', registers: r });
    this.badLines = new Counter({ name: 'daybook_ship_bad_lines_total', help: 'Lines the file analyzer counts as bad, by kind: not shipped.', labelNames: ['dir', 'kind'], registers: r });
    this.appLines = new Counter({ name: 'daybook_ship_app_lines_total', help: 'App text lines (Drift format) shipped as app_log rows.', labelNames: ['dir'], registers: r });
    this.lagSeconds = new Gauge({ name: 'daybook_ship_last_insert_age_seconds', help: 'Seconds between the oldest line of the last insert being read and its acknowledgement.', registers: r });
    for (const c of FAILURE_CAUSES) this.failures.inc({ cause: c }, 0);
  }
}
