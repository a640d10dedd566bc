// The public API of @daybook/core: named re-exports only.
export { LogLevel, LEVEL_VALUE, parseLevel, isLogLevel } from './level.js';
export { EventType, EventCategory, CATEGORY_OF, EVENT_TYPES, categoryOf, isEventType } from './event-type.js';
export { EVENT_FIELDS, type AuditEvent, type FieldSpec, type NumericField } from './event.js';
export { eventJsonSchema } from './schema.js';
export { uuidv7, uuidv7Time } from './id.js';
export { isoTimestamp } from './clock.js';
export { quote, DEFAULT_METADATA_LIMITS, type MetadataLimits } from './json.js';
export { DEFAULT_REDACT_KEYS, createSecretKeyTest, keyWords, maskSecrets, type IsSecretKey } from './redact.js';
export { ERROR_CODES, CodedError, DaybookError, withHint, type ErrorCode } from './errors.js';
export { readAuditEnv, readAppEnv, parseSize, parseBool, type AuditEnvConfig, type AppEnvConfig } from './config.js';
export { EventSerializer, DEFAULT_LINE_LIMITS, type EventFields, type SerializerOptions, type LineLimits } from './serializer.js';
export { formatPretty } from './pretty.js';
export { RESOLVED_TRUE, RESOLVED_FALSE, type Sink, type Durability } from './sink.js';
export { nodeFileDriver, type FileDriver } from './file-driver.js';
export { acquireLock, type FileLock } from './lock.js';
export { FileSink, type FileSinkOptions } from './file-sink.js';
export { GENESIS, link, withLink, splitLink, sha256hex } from './chain.js';
export { CHAIN_DIR, keyId, parseRecord, type CheckpointRecord, type RecordKind } from './checkpoint.js';
export { verify, type VerifyResult, type VerifyProblem, type VerifiedFile, type VerifyOptions, type DamageKind } from './verify.js';
export type { VerifyCache } from './verify-cache.js';
export { listBackups, type Backup } from './rotation.js';
export { classifyLogNames, type StreamFile, type StrayFile, type LogDirectory } from './stream-files.js';
export { applyRetention, type RetentionPolicy } from './retention.js';
export { LOG_FILES, CATEGORY_FILE, type LogFile } from './log-files.js';
export { DEFAULT_MAX_OPEN_POSITIONS } from './positions.js';
export {
  AuditLogger,
  type AuditLoggerOptions, type EventOptions, type LevelOption, type TradeEntryOptions, type TradeEntryResult, type TradeExitOptions,
  type TradeSignalOptions, type TradeCancelledOptions, type PositionAdjustedOptions, type ErrorOptions,
  type ApiCallOptions, type GenericEventOptions,
} from './audit-logger.js';
export { initializeAuditLogger, getAuditLogger, closeAuditLogger } from './global.js';
export { CRITICAL_APPS, DEFAULT_CRITICAL_PATTERNS, DEFAULT_UTILITY_PATTERNS, classifyApp, type AppClass, type ClassificationConfig } from './classify.js';
export { asctime, formatCompact, formatVerbose, type AppLogFormat } from './app-format.js';
export { AppLogger, setupCriticalLogging, setupUtilityLogging, setupLogging, getAppLogger, type AppLoggerOptions } from './app-logger.js';
export { callerOf, type CallerInfo } from './caller.js';
export { VERSION } from './version.js';
export { setThreadPriority } from './thread-priority.js';
export { LeadingTimeScanner, scanLeadingTimes } from './leading-time.js';
export { GZIP_HEADER_LATEST, LATEST_HEAD_BYTES, latestField, readLatestField } from './gzip-pieces.js';
