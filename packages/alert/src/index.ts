export type * from './types.js';
export { createDispatcher, needsUpdate, type DispatcherOptions, type NotifyDispatcher, type SilenceMatcher } from './notify/dispatcher.js';
export { systemClock, type Clock } from './notify/clock.js';
export { fingerprint, labelsString } from './notify/labels.js';
export { webhookMessage, templateData, goTime, groupKeyOf, type Notification, type NotifyAlert, type TemplateData, type WebhookMessage } from './notify/message.js';
export { slackMessage, telegramMessage } from './notify/chat.js';
export { NOTIFY_CODES, type NotifyCode } from './notify/codes.js';
export {
  SilenceStore, SilenceError, alertStateDir, parseMatchers, parseDuration, silenceState, silenceMatches, SILENCE_RETENTION_MS,
  type SilenceInput, type SilenceState,
} from './silences.js';
export { prometheusRules, prometheusRulesCommand, prometheusRuleGroups, promExpr, promDuration, promTemplate, type PrometheusRulesOptions } from './prometheus-rules.js';
