import type { ExportFormat } from '@daybook/analytics';
import { exportFleetEvents, type FleetExportResult } from './export.js';
import { ClickHouseEvents, decodeEventKey, type EventPage, type EventQuery } from './events.js';
import { ClickHouseFollower } from './follow.js';
import type { QueryRunner } from './runner.js';

// The events side of a fleet for the server (`daybook serve --clickhouse`): the shape of
// @daybook/server's FleetEvents (fleet.ts), which this package does not depend on.

export interface FleetEventsReader {
  isCursor(cursor: string): boolean;
  page(q: EventQuery, limit: number, order: 'asc' | 'desc', cursor?: string): Promise<EventPage>;
  follow(q: EventQuery, lastEventId?: string): Promise<{ next(limit?: number): Promise<{ id: string; event: Record<string, unknown> }[]> }>;
  export(file: string, format: ExportFormat, q: EventQuery): Promise<FleetExportResult>;
}

export function fleetEvents(runner: QueryRunner, database: string): FleetEventsReader {
  const events = new ClickHouseEvents(runner, database);
  return {
    isCursor: (cursor) => decodeEventKey(cursor) !== undefined,
    page: (q, limit, order, cursor) => events.page(q, limit, order, cursor === undefined ? undefined : decodeEventKey(cursor)),
    follow: (q, lastEventId) => ClickHouseFollower.start(events, q, { after: lastEventId === undefined ? undefined : decodeEventKey(lastEventId) }),
    export: (file, format, q) => exportFleetEvents(events, file, format, q),
  };
}
