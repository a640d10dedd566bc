export type * from './types.js';
// The error-code maps stay public, as every package's (core, analytics, clickhouse, server).
export { AlertError, ALERT_ERROR_CODES, type AlertErrorCode } from './errors.js';
export { formatDuration } from './duration.js';
export { parseRules, loadRules } from './rules.js';
export { KIND_SOURCE, type Figures, type Target } from './kinds.js';
export { formatValue } from './template.js';
export { Evaluator, type EvaluatorOptions, type Evaluation, type RuleError } from './evaluator.js';
export { FileStateStore, stateDirOf, type StateStore, type AlertStateData } from './state.js';
export { loggerAudit } from './audit.js';
export { directoryTarget, damageOf } from './targets.js';
export { dispatcherFor } from './dispatch.js';
export { alertJson, transitionJson, type AlertJson } from './json.js';
export { createDispatcher, type DispatcherOptions, type NotifyDispatcher, type SilenceMatcher } from './notify/dispatcher.js';
export type { Clock } from './notify/clock.js';
export { fingerprint } from './notify/labels.js';
export { NOTIFY_CODES, type NotifyCode } from './notify/codes.js';
export { SilenceStore, SilenceError, parseMatchers, silenceDuration, silenceState, type SilenceInput, type SilenceState } from './silences.js';
export { prometheusRules, prometheusRulesCommand, prometheusRuleGroups, type PrometheusRulesOptions } from './prometheus-rules.js';
