export type * from './types.js';
export { prometheusRules, prometheusRulesCommand, prometheusRuleGroups, promExpr, promDuration, promTemplate, type PrometheusRulesOptions } from './prometheus-rules.js';
