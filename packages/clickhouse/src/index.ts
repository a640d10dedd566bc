export { COLUMNS, EVENTS_TABLE, LOCAL_TABLE, createSettings, createStatements, ident, supportsTtl, versionOf, type ColumnName, type TableOptions } from './schema.js';
export { rowOf, chainLink, type Row, type RowSource } from './row.js';
export { clickhouseTarget, connect, ClickHouseConfigError, type ClickHouseTarget } from './connect.js';
export { Shipper, type ShipperOptions, type ShipSummary, type ShipperEvents } from './ship/shipper.js';
export { ShipError, SHIP_ERROR_CODES, FAILURE_CAUSES, type FailureCause, type ShipErrorCode } from './ship/failure.js';
export { ShipMetrics } from './ship/metrics.js';
export { positionPath, loadPositions, type FilePosition } from './ship/positions.js';
