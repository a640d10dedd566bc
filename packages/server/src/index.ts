// The public API of @daybook/server: named re-exports only.
export { buildApp, type AppOptions } from './app.js';
export { startServer, isLoopback, isWildcard, type ServerOptions } from './server.js';
export { SERVER_ERROR_CODES, ServerError, type ServerErrorCode } from './errors.js';
export type { FleetAnalyzer, FleetFilter, FleetReader, FleetEvents, FleetEventQuery, FleetFollower } from './fleet.js';
export type { AlertsView } from './routes-alerts.js';
export { daybookFastify, type DaybookFastifyOptions } from './fastify-plugin.js';
export { daybookExpress, daybookExpressErrors, expressHealth, type DaybookExpressOptions } from './express.js';
export { instrumentFetch, endpointOf, type InstrumentFetchOptions } from './fetch.js';
export type { ApiLogOptions, HealthOptions } from './api-log.js';
export { EventIndex, parseEventLine, typeCode, levelCode, type EventFilter, type EventIndexOptions, type Position } from './event-index.js';
export { encodeCursor, decodeCursor } from './cursor.js';
export { Follower, endOf } from './follow.js';
export { DirMonitor } from './monitor.js';
export { LATENCY_BUCKETS, PrometheusMetrics, ChainWatch, logFigures, type LogFigures, type ChainState } from './prometheus.js';
