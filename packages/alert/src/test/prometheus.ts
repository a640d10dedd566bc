import { existsSync } from 'node:fs';
import type { Rule, RulesFile } from '../types.js';

// What the Prometheus tests share: the example rules (the seed's two, no_events and the other
// kinds) as RulesFile objects, and where Debian's binaries are.

/** A rule with the defaults of a rules file (for 0, no labels or annotations). */
export function rule(r: Pick<Rule, 'name' | 'kind' | 'window' | 'threshold'> & Partial<Rule>): Rule {
  return { for: 0, labels: {}, annotations: {}, ...r };
}

export const HOUR = 3_600_000;

/** The seed's monitoring script (more than 10 errors in the last hour, average API latency above 1 s), BotSilent and one rule of every other kind. */
export function exampleRules(): RulesFile {
  return {
    evaluationInterval: 15_000,
    minInterval: 1000,
    rules: [
      rule({ name: 'HighErrorCount', kind: 'error_count', window: HOUR, threshold: 10, labels: { severity: 'critical' }, annotations: { summary: '{{ $value }} errors in the last hour on {{ $labels.instance }} (threshold {{ $threshold }})' } }),
      rule({ name: 'SlowBroker', kind: 'avg_api_latency_ms', window: HOUR, threshold: 1000, labels: { severity: 'warning' }, annotations: { summary: 'average API latency {{ $value }} ms' } }),
      rule({ name: 'BotSilent', kind: 'no_events', window: 5 * 60_000, threshold: 0, for: 60_000 }),
      rule({ name: 'SlowTail', kind: 'p99_api_latency_ms', window: 15 * 60_000, threshold: 2500 }),
      rule({ name: 'DailyLoss', kind: 'daily_loss', window: 24 * HOUR, threshold: 100, labels: { severity: 'critical', team: 'desk' }, annotations: { summary: 'lost {{ $value }} today', description: 'daily loss above {{$threshold}}' } }),
      rule({ name: 'Drawdown', kind: 'max_drawdown', window: 24 * HOUR, threshold: 5000, for: 90_000 }),
      rule({ name: 'RiskLimits', kind: 'risk_limit_hits', window: 10 * 60_000, threshold: 3 }),
      rule({ name: 'RateLimited', kind: 'rate_limit_hits', window: 1500, threshold: 5 }),
      rule({ name: 'ChainDamaged', kind: 'chain_damaged', window: HOUR, threshold: 0, labels: { severity: 'page' } }),
    ],
    receivers: [{ name: 'ops', url: 'http://127.0.0.1:9099/hook', format: 'alertmanager', timeoutMs: 5000, maxAttempts: 3, maxPerMinute: 30, sendResolved: true }],
    route: { groupBy: ['alertname'], groupWait: 0, groupInterval: 60_000, repeatInterval: 4 * HOUR },
  };
}

/**
 * A Debian binary, or undefined when absent outside CI. In CI (`CI=true`, set by .ci/run,
 * which installs the packages) an absent binary fails the test rather than skipping it.
 */
export function debianBinary(name: string): string | undefined {
  const path = [`/usr/bin/${name}`, `/usr/local/bin/${name}`].find((p) => existsSync(p));
  if (path === undefined && process.env.CI === 'true') throw new Error(`${name} is not installed: .ci/run installs Debian's prometheus and prometheus-alertmanager`);
  return path;
}
