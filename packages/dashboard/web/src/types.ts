// Response shapes of the REST API: the snake_case names of docs/metrics.md.
export interface Breakdown { trades: number; total_pnl: number; win_rate: number }

export interface TradingMetrics {
  total_trades: number; winning_trades: number; losing_trades: number; win_rate: number;
  total_pnl: number; profit_factor: number | null; sharpe_ratio: number | null;
  max_drawdown: number; max_drawdown_pct: number | null; expectancy: number;
  /** Σ fee of the range's trading events; net_pnl is total_pnl − total_fees; open_trades: open at the range's end. */
  total_fees: number; net_pnl: number; open_trades: number;
  by_exit_reason: Record<string, Breakdown>; by_strategy: Record<string, Breakdown>;
}

export interface SystemMetrics {
  total_events: number; api_calls: number; api_errors: number; error_count: number; warning_count: number;
  avg_api_latency: number | null; p50_api_latency: number | null; p95_api_latency: number | null;
  p99_api_latency: number | null; max_api_latency: number | null;
}

export type RiskDay = Record<'risk_limit_hit' | 'daily_loss_limit' | 'portfolio_heat_warning' | 'position_size_calculated', number>;

export interface RiskMetrics {
  risk_limit_hits: number; daily_loss_limit_hits: number; portfolio_heat_warnings: number;
  position_size_calculations: number; max_portfolio_heat: number | null; max_daily_loss: number | null;
  risk_events_by_day: Record<string, RiskDay>;
}

export interface SymbolPerformance {
  symbol: string; trades: number; wins: number; losses: number; win_rate: number; total_pnl: number;
  avg_pnl: number; largest_win: number; largest_loss: number; profit_factor: number | null; total_volume: number;
}

export interface TopMessage { message: string; count: number; first_seen: string; last_seen: string }

export interface ErrorSummary {
  total_errors: number; total_warnings: number; by_component: Record<string, number>;
  by_error_type: Record<string, number>; top_messages: TopMessage[];
  recent_errors: { timestamp: string; level: string; component: string; event_type: string; message: string; event_id: string }[];
}

/** A closed trade as /audit/timeseries lists it (and as the page makes one of a live trade_exit). */
export interface Trade {
  timestamp: string; event_id: string; symbol: string; strategy: string; quantity: number | null; price: number | null;
  pnl: number; exit_reason: string; hold_minutes: number | null;
}

/** One event of a linked trade (GET /audit/trades): pnl derived for exits, reason for exits and stops. */
export interface TradeStep {
  timestamp: string; event_type: string; event_id: string; price: number | null; quantity: number | null;
  pnl: number | null; fee: number | null; reason: string | null;
}

/** A trade from its entry to its exit, as of the range's end (docs/metrics.md "Trades"). */
export interface LinkedTrade {
  trade_id: string; position_id: string | null; session_id: string | null; symbol: string; side: string | null; strategy: string;
  status: 'open' | 'closed' | 'cancelled'; opened_at: string | null; closed_at: string | null;
  entry_price: number | null; exit_price: number | null; quantity: number | null;
  pnl: number | null; fees: number; net_pnl: number | null; hold_minutes: number | null; age_minutes: number | null;
  exit_reason: string | null; events: TradeStep[];
}

/** GET /audit/trades: one page, newest first. */
export interface TradePage { trades: LinkedTrade[]; open_trades: number; next_cursor: string | null }

export interface SeriesBucket extends RiskDay {
  start: string; p50_api_latency: number | null; p95_api_latency: number | null; p99_api_latency: number | null;
  error_count: number; warning_count: number; closed_trades: number; realized_pnl: number;
}

/** GET /audit/timeseries: the charts of a range in one answer. */
export interface Timeseries {
  bucket: 'hour' | 'day'; buckets: SeriesBucket[]; trades: Trade[]; total_trades: number; truncated: boolean;
  earlier_pnl: number; earlier_peak: number;
}

/** An event as written on disk (contract.md, "On-disk event format"). */
export interface AuditEvent {
  timestamp: string; level: string; message: string; event_id: string; event_type: string; component?: string;
  session_id?: string; symbol?: string; side?: string; quantity?: number; price?: number; pnl?: number;
  strategy_name?: string; latency_ms?: number; metadata?: Record<string, unknown>;
}

export interface VerifyResult {
  ok: boolean;
  files?: { file: string; lines: number; ok: boolean }[];
  problems?: { file: string; line?: number; kind: string }[];
}

/** GET /audit/alerts (the fields the panel shows). */
export interface AlertRow {
  name: string; state: 'inactive' | 'pending' | 'firing'; value: number | null; threshold: number;
  labels: Record<string, string>; annotations: Record<string, string>; since: string | null;
}
export interface AlertsAnswer {
  enabled: boolean; evaluated_at: string | null; active: AlertRow[];
  recent: { at: string; from: string; to: string; alert: AlertRow }[];
}
