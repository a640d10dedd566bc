export { COLUMNS, EVENTS_TABLE, LOCAL_TABLE, createSettings, createStatements, ident, supportsTtl, versionOf, type ColumnName, type TableOptions } from './schema.js';
export { rowOf, type Row, type RowSource } from './row.js';
export { clickhouseTarget, connect, ClickHouseConfigError, type ClickHouseTarget } from './connect.js';
export { ClickHouseAnalyzer, type ClickHouseAnalyzerOptions, type FleetBot, type FleetOverview } from './analyzer.js';
export { clientRunner, parseJsonEachRow, type QueryRunner } from './runner.js';
export type { FleetFilter } from './sql.js';
export { openClickHouse, analyzerOf, clickhouseError, ClickHouseError, type ClickHouseErrorCode, type OpenedClickHouse } from './open.js';
export { verifyAgainstClickHouse, type FleetVerifyResult, type FleetLine } from './fleet-verify.js';
