import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { durationOf, formatDuration } from './duration.js';
import { AlertError } from './errors.js';
import { KIND_SOURCE } from './kinds.js';
import { isLabelName } from './notify/labels.js';
import type { Receiver, ReceiverFormat, Route, Rule, RuleKind, RulesFile } from './types.js';

// The rules file: JSON (or YAML, by its extension .yml/.yaml: what Prometheus and Alertmanager
// users write their configuration in), snake_case as Prometheus and Alertmanager write their configuration
// (`for`, `group_wait`, `send_resolved`), validated whole at start-up so that a mistake fails
// `daybook alert --check` rather than the first evaluation. Every error names the rule (or
// receiver) and the field.

const RULE_KINDS = Object.keys(KIND_SOURCE) as readonly RuleKind[];
const FORMATS: readonly ReceiverFormat[] = ['alertmanager', 'slack', 'telegram'];

/** Kinds whose threshold may be left out: no_events fires at 0 events, chain_damaged at any damage. */
const THRESHOLD_DEFAULT: Partial<Record<RuleKind, number>> = { no_events: 0, chain_damaged: 0 };

/** Alertmanager's route defaults (group_by: none, one group for all alerts). */
const DEFAULT_ROUTE: Route = { groupBy: [], groupWait: 30_000, groupInterval: 5 * 60_000, repeatInterval: 4 * 3_600_000 };
/** Prometheus' default evaluation interval. */
const DEFAULT_EVALUATION_INTERVAL = 60_000;
/** New lines are evaluated at most once a second: latency of about a second, the cost of one evaluation a second at most. */
const DEFAULT_MIN_INTERVAL = 1000;
/** Below this an evaluation per append burst would cost more than it tells. */
const SHORTEST_MIN_INTERVAL = 100;
const RECEIVER_DEFAULTS = { timeoutMs: 10_000, maxAttempts: 3, maxPerMinute: 60, sendResolved: true } as const;

const TOP_FIELDS = new Set(['rules', 'receivers', 'route', 'evaluation_interval', 'min_interval']);
const RULE_FIELDS = new Set(['name', 'kind', 'window', 'threshold', 'for', 'labels', 'annotations', 'receivers']);
const RECEIVER_FIELDS = new Set(['name', 'webhook']);
const WEBHOOK_FIELDS = new Set(['url', 'format', 'chat_id', 'headers', 'timeout', 'max_attempts', 'max_per_minute', 'send_resolved']);
const ROUTE_FIELDS = new Set(['group_by', 'group_wait', 'group_interval', 'repeat_interval']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function known(o: Obj, fields: ReadonlySet<string>, where: string): void {
  for (const k of Object.keys(o)) {
    if (!fields.has(k)) throw new AlertError('DAYBOOK_E_ALERT_UNKNOWN_FIELD', `${where}: unknown field "${k}" (known: ${[...fields].join(', ')})`);
  }
}

function stringMap(v: unknown, where: string, field: string, kind: 'labels' | 'annotations' | 'headers'): Record<string, string> {
  if (v === undefined) return {};
  if (!isObj(v)) throw new AlertError('DAYBOOK_E_ALERT_LABEL', `${where}: ${field} must be an object of strings`);
  const entries = Object.entries(v);
  for (const [k, s] of entries) {
    if (typeof s !== 'string') throw new AlertError('DAYBOOK_E_ALERT_LABEL', `${where}: ${field}.${k} must be a string`);
    if (kind !== 'headers' && !isLabelName(k)) {
      throw new AlertError('DAYBOOK_E_ALERT_LABEL', `${where}: ${field}.${k} is not a label name (letters, digits and _, not first a digit; names starting with __ are Prometheus' own)`);
    }
    if (kind === 'labels' && /\{\{\s*\$value\s*\}\}/.test(s)) throw new AlertError('DAYBOOK_E_ALERT_LABEL', `${where}: ${field}.${k} uses {{ $value }}: put it in an annotation`);
  }
  // Own properties whatever the name (a header may be called anything): fromEntries, not assignment.
  return Object.fromEntries(entries) as Record<string, string>;
}

function positiveInt(v: unknown, dflt: number, where: string, field: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new AlertError('DAYBOOK_E_ALERT_RECEIVER', `${where}: ${field} must be a positive integer`);
  return v;
}

/** Item `i` of the list `list` as a named object of known fields, and how errors call it (`rule "X"`). */
function named(r: unknown, list: 'rules' | 'receivers', i: number, fields: ReadonlySet<string>): { r: Obj & { name: string }; where: string } {
  if (!isObj(r)) throw new AlertError('DAYBOOK_E_ALERT_RULES_SHAPE', `${list}[${i}] must be an object`);
  if (typeof r.name !== 'string' || r.name.trim() === '') throw new AlertError('DAYBOOK_E_ALERT_NAME', `${list}[${i}]: name must be a non-empty string`);
  const where = `${list === 'rules' ? 'rule' : 'receiver'} "${r.name}"`;
  known(r, fields, where);
  return { r: r as Obj & { name: string }, where };
}

function parseRule(item: unknown, i: number): Rule {
  const { r, where } = named(item, 'rules', i, RULE_FIELDS);
  const kind = r.kind as RuleKind;
  if (typeof r.kind !== 'string' || !RULE_KINDS.includes(kind)) throw new AlertError('DAYBOOK_E_ALERT_KIND', `${where}: kind ${JSON.stringify(r.kind)} is not a rule kind (${RULE_KINDS.join(', ')})`);
  // chain_damaged looks at the whole chain, not a window of it.
  const window = kind === 'chain_damaged' && r.window === undefined ? 0 : r.window === undefined
    ? (() => { throw new AlertError('DAYBOOK_E_ALERT_DURATION', `${where}: window is missing (the range the figure is computed over, e.g. "1h")`); })()
    : durationOf(r.window, where, 'window');
  if (kind !== 'chain_damaged' && window <= 0) throw new AlertError('DAYBOOK_E_ALERT_DURATION', `${where}: window must be longer than 0`);
  let threshold: number;
  if (r.threshold === undefined) {
    const d = THRESHOLD_DEFAULT[kind];
    if (d === undefined) throw new AlertError('DAYBOOK_E_ALERT_THRESHOLD', `${where}: threshold is missing (the ${kind} above which it fires)`);
    threshold = d;
  } else if (typeof r.threshold !== 'number' || !Number.isFinite(r.threshold)) {
    throw new AlertError('DAYBOOK_E_ALERT_THRESHOLD', `${where}: threshold ${JSON.stringify(r.threshold)} must be a finite number`);
  } else threshold = r.threshold;
  const rule: Rule = {
    name: r.name,
    kind,
    window,
    threshold,
    for: r.for === undefined ? 0 : durationOf(r.for, where, 'for'),
    labels: stringMap(r.labels, where, 'labels', 'labels'),
    annotations: stringMap(r.annotations, where, 'annotations', 'annotations'),
  };
  if (r.receivers !== undefined) {
    if (!Array.isArray(r.receivers) || r.receivers.some((x) => typeof x !== 'string')) throw new AlertError('DAYBOOK_E_ALERT_RECEIVER_UNKNOWN', `${where}: receivers must be a list of receiver names`);
    rule.receivers = r.receivers as string[];
  }
  return rule;
}

function parseReceiver(item: unknown, i: number): Receiver {
  const { r, where } = named(item, 'receivers', i, RECEIVER_FIELDS);
  const w = r.webhook;
  if (!isObj(w)) throw new AlertError('DAYBOOK_E_ALERT_RECEIVER', `${where}: webhook is missing (an object with url and format)`);
  known(w, WEBHOOK_FIELDS, `${where}: webhook`);
  let url: URL | undefined;
  try {
    url = typeof w.url === 'string' ? new URL(w.url) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new AlertError('DAYBOOK_E_ALERT_RECEIVER', `${where}: webhook.url ${w.url === undefined ? 'is missing' : `${JSON.stringify(w.url)} is not an http(s) URL`}`);
  }
  const format = (w.format ?? 'alertmanager') as ReceiverFormat;
  if (!FORMATS.includes(format)) throw new AlertError('DAYBOOK_E_ALERT_RECEIVER', `${where}: webhook.format ${JSON.stringify(w.format)} is not one of ${FORMATS.join(', ')}`);
  if (format === 'telegram' && (typeof w.chat_id !== 'string' && typeof w.chat_id !== 'number')) throw new AlertError('DAYBOOK_E_ALERT_RECEIVER', `${where}: webhook.chat_id is missing (format telegram)`);
  if (w.send_resolved !== undefined && typeof w.send_resolved !== 'boolean') throw new AlertError('DAYBOOK_E_ALERT_RECEIVER', `${where}: webhook.send_resolved must be true or false`);
  const headers = w.headers === undefined ? undefined : stringMap(w.headers, where, 'webhook.headers', 'headers');
  const out: Receiver = {
    name: r.name,
    url: url.href,
    format,
    timeoutMs: w.timeout === undefined ? RECEIVER_DEFAULTS.timeoutMs : durationOf(w.timeout, where, 'webhook.timeout'),
    maxAttempts: positiveInt(w.max_attempts, RECEIVER_DEFAULTS.maxAttempts, where, 'webhook.max_attempts'),
    maxPerMinute: positiveInt(w.max_per_minute, RECEIVER_DEFAULTS.maxPerMinute, where, 'webhook.max_per_minute'),
    sendResolved: (w.send_resolved as boolean | undefined) ?? RECEIVER_DEFAULTS.sendResolved,
  };
  if (out.timeoutMs <= 0) throw new AlertError('DAYBOOK_E_ALERT_DURATION', `${where}: webhook.timeout must be longer than 0`);
  if (w.chat_id !== undefined) out.chatId = String(w.chat_id);
  if (headers !== undefined) out.headers = headers;
  return out;
}

function parseRoute(r: unknown): Route {
  if (r === undefined) return { ...DEFAULT_ROUTE, groupBy: [] };
  if (!isObj(r)) throw new AlertError('DAYBOOK_E_ALERT_RULES_SHAPE', 'route must be an object');
  known(r, ROUTE_FIELDS, 'route');
  if (r.group_by !== undefined && (!Array.isArray(r.group_by) || r.group_by.some((x) => typeof x !== 'string'))) {
    throw new AlertError('DAYBOOK_E_ALERT_RULES_SHAPE', 'route: group_by must be a list of label names');
  }
  const d = (v: unknown, field: string, dflt: number): number => (v === undefined ? dflt : durationOf(v, 'route', field));
  return {
    groupBy: (r.group_by as string[] | undefined) ?? [],
    groupWait: d(r.group_wait, 'group_wait', DEFAULT_ROUTE.groupWait),
    groupInterval: d(r.group_interval, 'group_interval', DEFAULT_ROUTE.groupInterval),
    repeatInterval: d(r.repeat_interval, 'repeat_interval', DEFAULT_ROUTE.repeatInterval),
  };
}

/** A parsed rules file (already JSON- or YAML-parsed) as a RulesFile, or an AlertError naming what is wrong. */
export function parseRules(input: unknown): RulesFile {
  if (!isObj(input)) throw new AlertError('DAYBOOK_E_ALERT_RULES_SHAPE', 'the rules file must be an object (a JSON object, or a YAML mapping) with a "rules" list');
  known(input, TOP_FIELDS, 'the rules file');
  if (!Array.isArray(input.rules)) throw new AlertError('DAYBOOK_E_ALERT_RULES_SHAPE', 'the rules file has no "rules" list');
  const rules = input.rules.map(parseRule);
  const receivers = input.receivers === undefined ? [] : Array.isArray(input.receivers) ? input.receivers.map(parseReceiver)
    : (() => { throw new AlertError('DAYBOOK_E_ALERT_RULES_SHAPE', '"receivers" must be a list'); })();
  const seen = new Set<string>();
  for (const r of rules) {
    if (seen.has(r.name)) throw new AlertError('DAYBOOK_E_ALERT_NAME', `rule "${r.name}": name is used by two rules`);
    seen.add(r.name);
  }
  const names = new Set<string>();
  for (const r of receivers) {
    if (names.has(r.name)) throw new AlertError('DAYBOOK_E_ALERT_NAME', `receiver "${r.name}": name is used by two receivers`);
    names.add(r.name);
  }
  for (const r of rules) {
    for (const name of r.receivers ?? []) {
      if (!names.has(name)) throw new AlertError('DAYBOOK_E_ALERT_RECEIVER_UNKNOWN', `rule "${r.name}": receivers names "${name}", which is not a receiver of the file (${[...names].join(', ') || 'none'})`);
    }
  }
  const interval = input.evaluation_interval === undefined ? DEFAULT_EVALUATION_INTERVAL : durationOf(input.evaluation_interval, 'the rules file', 'evaluation_interval');
  if (interval < 1000) throw new AlertError('DAYBOOK_E_ALERT_DURATION', 'the rules file: evaluation_interval must be at least 1s');
  const minInterval = input.min_interval === undefined ? DEFAULT_MIN_INTERVAL : durationOf(input.min_interval, 'the rules file', 'min_interval');
  if (minInterval < SHORTEST_MIN_INTERVAL) throw new AlertError('DAYBOOK_E_ALERT_DURATION', `the rules file: min_interval must be at least ${SHORTEST_MIN_INTERVAL}ms`);
  if (minInterval > interval) throw new AlertError('DAYBOOK_E_ALERT_DURATION', `the rules file: min_interval (${formatDuration(minInterval)}) must not be longer than evaluation_interval (${formatDuration(interval)}); equal to it, only the interval evaluates`);
  return { evaluationInterval: interval, minInterval, rules, receivers, route: parseRoute(input.route) };
}

/** Whether `file` is read as YAML (by its extension; anything else is JSON). */
const isYamlFile = (file: string): boolean => /\.ya?ml$/i.test(file);

/**
 * The text of a rules file as data: YAML 1.2 (the `yaml` package's core schema: `on` and `yes`
 * stay strings, a key given twice is an error) for .yml/.yaml, JSON otherwise. Both then go
 * through parseRules, so the checks and their messages are the same whatever the syntax.
 */
function parseText(file: string, text: string): unknown {
  if (!isYamlFile(file)) {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new AlertError('DAYBOOK_E_ALERT_RULES_SYNTAX', `${file}: ${(e as Error).message}`, { cause: e });
    }
  }
  try {
    return parseYaml(text, { prettyErrors: true });
  } catch (e) {
    if (!(e instanceof YAMLParseError)) throw e;
    // The package's message says where ("at line 4, column 3:") and quotes the lines; the
    // first line of it is the sentence a one-line error needs.
    const first = e.message.split('\n')[0]!.replace(/:$/, '');
    throw new AlertError('DAYBOOK_E_ALERT_RULES_SYNTAX', `${file}: ${first} (YAML)`, { cause: e });
  }
}

/** Reads and validates a rules file (JSON, or YAML for .yml/.yaml). */
export function loadRules(file: string): RulesFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AlertError('DAYBOOK_E_ALERT_RULES_READ', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  return parseRules(parseText(file, text));
}
