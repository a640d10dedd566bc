/** The nine critical applications of the Drift fleet: they must log to files. */
export const CRITICAL_APPS: readonly string[] = [
  'jit-mm-swift', 'hedge-bot', 'trend-bot', 'drift-client', 'rpc-manager',
  'order-management', 'risk-manager', 'swift-client', 'orchestrator',
];

/** Names that look like tests, setup scripts or debug tools: console only. */
export const DEFAULT_UTILITY_PATTERNS: readonly RegExp[] = [
  /(^|[-_./])(test|tests|spec|e2e|fixture)s?([-_./]|$)/i, /setup/i, /debug/i, /diagnos/i, /util/i, /script/i, /scratch/i, /example/i, /bench/i, /migrat/i,
];

/** Names that look like trading, order, risk, client or orchestration code: critical. */
export const DEFAULT_CRITICAL_PATTERNS: readonly RegExp[] = [
  /trad/i, /order/i, /risk/i, /client/i, /orchestr/i, /hedge/i, /market.?mak/i, /(^|[-_])mm([-_]|$)/i, /bot/i, /exec/i, /broker/i, /position/i, /portfolio/i,
];

export type AppClass = 'critical' | 'utility';

export interface ClassificationConfig {
  /** Exact names (or patterns) that are critical; checked first. */
  critical?: readonly (string | RegExp)[];
  /** Exact names (or patterns) that are utility; checked second. */
  utility?: readonly (string | RegExp)[];
  /** What an app no rule matches is. Default `critical`: a missing file log loses records, an extra one costs only disk. */
  fallback?: AppClass;
}

const matches = (name: string, rules: readonly (string | RegExp)[]): boolean =>
  rules.some((r) => (typeof r === 'string' ? r === name : r.test(name)));

/**
 * Critical or utility, in this order: the configured lists, the nine Drift apps, utility-looking
 * names (a `order-client-test` is a test), critical-looking names, then the fallback.
 */
export function classifyApp(name: string, config: ClassificationConfig = {}): AppClass {
  if (config.critical !== undefined && matches(name, config.critical)) return 'critical';
  if (config.utility !== undefined && matches(name, config.utility)) return 'utility';
  if (CRITICAL_APPS.includes(name)) return 'critical';
  if (matches(name, DEFAULT_UTILITY_PATTERNS)) return 'utility';
  if (matches(name, DEFAULT_CRITICAL_PATTERNS)) return 'critical';
  return config.fallback ?? 'critical';
}
