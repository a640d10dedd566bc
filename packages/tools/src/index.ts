// The public API of @daybook/tools: named re-exports only.
export { TOOLS_ERROR_CODES, ToolsError, type ToolsErrorCode } from './errors.js';
export { loadToolsConfig, parseToolsConfig, type ToolsConfig } from './config.js';
export { loadProject, nameFromPath, type App, type Project, type SourceFile } from './project.js';
export { factsOf, type FileFacts, type LoggerCreation, type LoggerLibrary } from './facts.js';
export { audit, auditProject, RULES, type AuditIssue, type AuditReport } from './audit.js';
export type { Finding, Rule, Severity } from './rules/rule.js';
export { rewriteSource, CONSOLE_TO_LOGGER, type RewriteOptions, type RewriteResult } from './rewrite.js';
export { migrate, planMigration, type FileChange, type MigrateOptions, type MigrateResult } from './migrate.js';
export { undoMigration, type UndoResult } from './undo.js';
export { BACKUP_ROOT, type Manifest } from './backup.js';
export { unifiedDiff } from './diff.js';
export { typeCheckChange, type TypeCheckResult } from './typecheck.js';
export { monitor, DEFAULT_THRESHOLDS, type MonitorOptions, type MonitorReport, type MonitorIssue, type MonitorThresholds, type FileSummary } from './monitor.js';
export { scanLogDir, type LogStream, type Backup } from './log-dir.js';
export { scanLines, scanFile, LineScanner, type LineScan, type FileScan, type NulRun } from './log-lines.js';
export { planMaintenance, runMaintenance, type MaintenanceAction, type MaintenancePolicy } from './maintenance.js';
export { checkChain, type ChainStatus } from './chain.js';
export { table, formatAuditReport, formatMonitorReport, formatMaintenance, formatBytes } from './report-format.js';
