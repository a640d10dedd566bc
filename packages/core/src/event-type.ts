/**
 * Every event type of the DayBot guide, with the value its Python logger wrote, plus
 * daybook's own: `app_log` (a line of an app logger written in the `json` format) and the
 * `alert_*` events of `daybook alert` (its firings, resolutions, notification attempts and
 * silences, written like any event so that they are chained and verified).
 */
export const EventType = {
  // trading
  TRADE_ENTRY: 'trade_entry',
  TRADE_EXIT: 'trade_exit',
  TRADE_PARTIAL_EXIT: 'trade_partial_exit',
  STOP_LOSS_HIT: 'stop_loss_hit',
  TAKE_PROFIT_HIT: 'take_profit_hit',
  TRADE_CANCELLED: 'trade_cancelled',
  POSITION_ADJUSTED: 'position_adjusted',
  // system
  SYSTEM_START: 'system_start',
  SYSTEM_STOP: 'system_stop',
  SYSTEM_ERROR: 'system_error',
  HEALTH_CHECK: 'health_check',
  MARKET_STATUS: 'market_status',
  // risk
  RISK_LIMIT_HIT: 'risk_limit_hit',
  POSITION_SIZE_CALCULATED: 'position_size_calculated',
  DAILY_LOSS_LIMIT: 'daily_loss_limit',
  PORTFOLIO_HEAT_WARNING: 'portfolio_heat_warning',
  // strategy
  STRATEGY_SIGNAL: 'strategy_signal',
  SYMBOL_SCAN: 'symbol_scan',
  ENTRY_SIGNAL: 'entry_signal',
  EXIT_SIGNAL: 'exit_signal',
  // api
  API_CALL: 'api_call',
  API_ERROR: 'api_error',
  RATE_LIMIT: 'rate_limit',
  // performance
  PERFORMANCE_METRIC: 'performance_metric',
  LATENCY_MEASUREMENT: 'latency_measurement',
  // daybook extension
  APP_LOG: 'app_log',
  // alerting (daybook alert): the record of who was told what, and when
  ALERT_FIRING: 'alert_firing',
  ALERT_RESOLVED: 'alert_resolved',
  ALERT_NOTIFICATION: 'alert_notification',
  ALERT_SILENCE: 'alert_silence',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** The six groups of the guide; an event's `component` defaults to its category. */
export const EventCategory = {
  TRADING: 'trading',
  SYSTEM: 'system',
  RISK: 'risk',
  STRATEGY: 'strategy',
  API: 'api',
  PERFORMANCE: 'performance',
} as const;
export type EventCategory = (typeof EventCategory)[keyof typeof EventCategory];

export const CATEGORY_OF: Readonly<Record<EventType, EventCategory>> = {
  trade_entry: 'trading',
  trade_exit: 'trading',
  trade_partial_exit: 'trading',
  stop_loss_hit: 'trading',
  take_profit_hit: 'trading',
  trade_cancelled: 'trading',
  position_adjusted: 'trading',
  system_start: 'system',
  system_stop: 'system',
  system_error: 'system',
  health_check: 'system',
  market_status: 'system',
  app_log: 'system',
  risk_limit_hit: 'risk',
  position_size_calculated: 'risk',
  daily_loss_limit: 'risk',
  portfolio_heat_warning: 'risk',
  strategy_signal: 'strategy',
  symbol_scan: 'strategy',
  entry_signal: 'strategy',
  exit_signal: 'strategy',
  api_call: 'api',
  api_error: 'api',
  rate_limit: 'api',
  performance_metric: 'performance',
  latency_measurement: 'performance',
  // Appended last: analytics numbers event types by their place in this table (segment.ts
  // TYPE_CODE), and segments kept on disk hold those numbers.
  alert_firing: 'system',
  alert_resolved: 'system',
  alert_notification: 'system',
  alert_silence: 'system',
};

export const EVENT_TYPES: readonly EventType[] = Object.keys(CATEGORY_OF) as EventType[];

export function isEventType(input: unknown): input is EventType {
  return typeof input === 'string' && Object.prototype.hasOwnProperty.call(CATEGORY_OF, input);
}

export function categoryOf(type: EventType): EventCategory {
  return CATEGORY_OF[type];
}
