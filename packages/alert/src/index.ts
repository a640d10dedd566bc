export type * from './types.js';
export { AlertError, ALERT_ERROR_CODES, type AlertErrorCode } from './errors.js';
export { parseDuration, formatDuration } from './duration.js';
export { parseRules, loadRules, RULE_KINDS, DEFAULT_ROUTE, DEFAULT_EVALUATION_INTERVAL, RECEIVER_DEFAULTS } from './rules.js';
export { valueOf, holds, KIND_SOURCE, type Figures, type Target } from './kinds.js';
export { expand, formatValue } from './template.js';
export { Evaluator, type EvaluatorOptions, type Evaluation, type RuleError } from './evaluator.js';
export { FileStateStore, MemoryStateStore, stateDirOf, STATE_FILE, type StateStore, type AlertStateData } from './state.js';
export { loggerAudit, NO_AUDIT } from './audit.js';
export { directoryTarget, damageOf } from './targets.js';
export { dispatcherFor } from './dispatch.js';
export { alertJson, transitionJson, type AlertJson } from './json.js';
export { createDispatcher, needsUpdate, type DispatcherOptions, type NotifyDispatcher, type SilenceMatcher } from './notify/dispatcher.js';
export { systemClock, type Clock } from './notify/clock.js';
export { fingerprint, labelsString } from './notify/labels.js';
export { webhookMessage, templateData, goTime, groupKeyOf, type Notification, type NotifyAlert, type TemplateData, type WebhookMessage } from './notify/message.js';
export { slackMessage, telegramMessage } from './notify/chat.js';
export { NOTIFY_CODES, type NotifyCode } from './notify/codes.js';
export {
  SilenceStore, SilenceError, parseMatchers, silenceDuration, silenceState, silenceMatches, SILENCE_RETENTION_MS,
  type SilenceInput, type SilenceState,
} from './silences.js';
export { prometheusRules, prometheusRulesCommand, prometheusRuleGroups, promExpr, promDuration, promTemplate, type PrometheusRulesOptions } from './prometheus-rules.js';
