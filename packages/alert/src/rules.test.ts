import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseDuration } from './duration.js';
import { AlertError } from './errors.js';
import { loadRules, parseRules } from './rules.js';
import { tempDir } from './test/helpers.js';

const ok = (rules: unknown[], extra: Record<string, unknown> = {}) => parseRules({ rules, ...extra });

/** parseRules fails with `code` and a message containing every one of `words`. */
function fails(input: unknown, code: string, ...words: string[]): void {
  assert.throws(() => parseRules(input), (e: unknown) => {
    assert.ok(e instanceof AlertError, String(e));
    assert.equal(e.code, code, e.message);
    for (const w of words) assert.ok(e.message.includes(w), `"${e.message}" names ${w}`);
    return true;
  });
}

test('durations as Prometheus writes them', () => {
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('15m'), 900_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1d'), 86_400_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('0'), 0);
  for (const bad of ['', '15', 'm', '1 h', '1y', '-1h', '1h ', 'h1', 15]) assert.equal(parseDuration(bad), undefined, String(bad));
});

test("the contract's example parses, with Alertmanager's defaults", () => {
  const f = ok([
    { name: 'HighErrorCount', kind: 'error_count', window: '1h', threshold: 10, for: '0m', labels: { severity: 'critical' }, annotations: { summary: '{{ $value }} errors' } },
    { name: 'SlowBroker', kind: 'avg_api_latency_ms', window: '1h', threshold: 1000 },
    { name: 'BotSilent', kind: 'no_events', window: '5m' },
  ], { receivers: [{ name: 'ops', webhook: { url: 'http://127.0.0.1:9099/hook', format: 'alertmanager' } }] });
  assert.deepEqual(f.rules.map((r) => [r.name, r.window, r.threshold, r.for]), [['HighErrorCount', 3_600_000, 10, 0], ['SlowBroker', 3_600_000, 1000, 0], ['BotSilent', 300_000, 0, 0]]);
  assert.deepEqual(f.route, { groupBy: [], groupWait: 30_000, groupInterval: 300_000, repeatInterval: 14_400_000 });
  assert.equal(f.evaluationInterval, 60_000);
  assert.equal(f.minInterval, 1000);
  assert.deepEqual(f.receivers[0], { name: 'ops', url: 'http://127.0.0.1:9099/hook', format: 'alertmanager', timeoutMs: 10_000, maxAttempts: 3, maxPerMinute: 60, sendResolved: true });
});

test('bad files fail naming the rule and the field', () => {
  fails({ rules: [{ name: 'A', kind: 'errors', window: '1h', threshold: 1 }] }, 'DAYBOOK_E_ALERT_KIND', 'rule "A"', 'kind', '"errors"');
  fails({ rules: [{ name: 'A', kind: 'error_count', window: '1 hour', threshold: 1 }] }, 'DAYBOOK_E_ALERT_DURATION', 'rule "A"', 'window');
  fails({ rules: [{ name: 'A', kind: 'error_count', window: '1h', threshold: 1, for: 'soon' }] }, 'DAYBOOK_E_ALERT_DURATION', 'rule "A"', 'for');
  fails({ rules: [{ name: 'A', kind: 'error_count', threshold: 1 }] }, 'DAYBOOK_E_ALERT_DURATION', 'rule "A"', 'window');
  fails({ rules: [{ name: 'A', kind: 'error_count', window: '1h' }] }, 'DAYBOOK_E_ALERT_THRESHOLD', 'rule "A"', 'threshold');
  fails({ rules: [{ name: 'A', kind: 'error_count', window: '1h', threshold: '10' }] }, 'DAYBOOK_E_ALERT_THRESHOLD', 'rule "A"', 'threshold');
  fails({ rules: [{ name: 'A', kind: 'no_events', window: '5m' }, { name: 'A', kind: 'no_events', window: '1m' }] }, 'DAYBOOK_E_ALERT_NAME', 'rule "A"', 'name');
  fails({ rules: [{ kind: 'no_events', window: '5m' }] }, 'DAYBOOK_E_ALERT_NAME', 'rules[0]', 'name');
  fails({ rules: [{ name: 'A', kind: 'no_events', window: '5m', treshold: 1 }] }, 'DAYBOOK_E_ALERT_UNKNOWN_FIELD', 'rule "A"', 'treshold');
  fails({ rules: [{ name: 'A', kind: 'no_events', window: '5m', labels: { v: '{{ $value }}' } }] }, 'DAYBOOK_E_ALERT_LABEL', 'rule "A"', 'labels.v');
  // Names Prometheus would refuse in the exported rules; `__proto__` (JSON makes it an own key) was dropped silently.
  fails({ rules: [{ name: 'A', kind: 'no_events', window: '5m', labels: JSON.parse('{"__proto__": "x"}') }] }, 'DAYBOOK_E_ALERT_LABEL', 'rule "A"', 'labels.__proto__');
  fails({ rules: [{ name: 'A', kind: 'no_events', window: '5m', annotations: { 'run-book': 'x' } }] }, 'DAYBOOK_E_ALERT_LABEL', 'rule "A"', 'annotations.run-book');
  fails({ rules: [{ name: 'A', kind: 'no_events', window: '5m', labels: { '1st': 'x' } }] }, 'DAYBOOK_E_ALERT_LABEL', 'rule "A"', 'labels.1st');
  fails({ rules: [], receivers: [{ name: 'ops', webhook: { format: 'slack' } }] }, 'DAYBOOK_E_ALERT_RECEIVER', 'receiver "ops"', 'webhook.url');
  fails({ rules: [], receivers: [{ name: 'ops', webhook: { url: 'ftp://x/' } }] }, 'DAYBOOK_E_ALERT_RECEIVER', 'receiver "ops"', 'webhook.url');
  fails({ rules: [], receivers: [{ name: 'ops', webhook: { url: 'http://x/', format: 'teams' } }] }, 'DAYBOOK_E_ALERT_RECEIVER', 'receiver "ops"', 'webhook.format');
  fails({ rules: [], receivers: [{ name: 'tg', webhook: { url: 'http://x/', format: 'telegram' } }] }, 'DAYBOOK_E_ALERT_RECEIVER', 'receiver "tg"', 'chat_id');
  fails({ rules: [], receivers: [{ name: 'ops', webhook: { url: 'http://x/' } }, { name: 'ops', webhook: { url: 'http://y/' } }] }, 'DAYBOOK_E_ALERT_NAME', 'receiver "ops"');
  fails({ rules: [{ name: 'A', kind: 'no_events', window: '5m', receivers: ['pager'] }], receivers: [{ name: 'ops', webhook: { url: 'http://x/' } }] }, 'DAYBOOK_E_ALERT_RECEIVER_UNKNOWN', 'rule "A"', 'receivers', '"pager"');
  fails({ rules: [], route: { group_wait: 'later' } }, 'DAYBOOK_E_ALERT_DURATION', 'route', 'group_wait');
  fails({ rule: [] }, 'DAYBOOK_E_ALERT_UNKNOWN_FIELD', 'rule');
  fails([], 'DAYBOOK_E_ALERT_RULES_SHAPE');
});

test('min_interval: new lines evaluated at most this often, between 100ms and evaluation_interval', () => {
  assert.equal(ok([], { min_interval: '250ms' }).minInterval, 250);
  assert.equal(ok([], { evaluation_interval: '15s', min_interval: '15s' }).minInterval, 15_000);
  fails({ rules: [], min_interval: 'often' }, 'DAYBOOK_E_ALERT_DURATION', 'the rules file', 'min_interval');
  fails({ rules: [], min_interval: '10ms' }, 'DAYBOOK_E_ALERT_DURATION', 'min_interval', '100ms');
  fails({ rules: [], min_interval: 0 }, 'DAYBOOK_E_ALERT_DURATION', 'min_interval', '100ms');
  fails({ rules: [], evaluation_interval: '15s', min_interval: '1m' }, 'DAYBOOK_E_ALERT_DURATION', 'min_interval', '1m', 'evaluation_interval', '15s');
});

test('chain_damaged needs no window or threshold; no_events no threshold', () => {
  const f = ok([{ name: 'Tampered', kind: 'chain_damaged' }, { name: 'Quiet', kind: 'no_events', window: '10m', for: '2m' }]);
  assert.deepEqual(f.rules.map((r) => [r.window, r.threshold, r.for]), [[0, 0, 0], [600_000, 0, 120_000]]);
});

test('loadRules: a file that is not JSON names the file', () => {
  const dir = tempDir();
  const file = join(dir, 'alerts.json');
  writeFileSync(file, '{ "rules": [ ');
  assert.throws(() => loadRules(file), (e: AlertError) => e.code === 'DAYBOOK_E_ALERT_RULES_SYNTAX' && e.message.includes(file));
  assert.throws(() => loadRules(join(dir, 'none.json')), (e: AlertError) => e.code === 'DAYBOOK_E_ALERT_RULES_READ');
});

test('examples/alerts.json is a valid rules file', () => {
  const f = loadRules(new URL('../../../examples/alerts.json', import.meta.url).pathname);
  assert.ok(f.rules.some((r) => r.kind === 'error_count' && r.threshold === 10 && r.window === 3_600_000));
  assert.ok(f.rules.some((r) => r.kind === 'avg_api_latency_ms' && r.threshold === 1000 && r.window === 3_600_000));
  assert.ok(f.rules.some((r) => r.kind === 'no_events'));
  assert.equal(f.evaluationInterval, 15 * 60_000);
});

test('examples/alerts.yml is examples/alerts.json in YAML: both load to the same rules', () => {
  const example = (name: string) => new URL(`../../../examples/${name}`, import.meta.url).pathname;
  const json = loadRules(example('alerts.json'));
  const yaml = loadRules(example('alerts.yml'));
  assert.deepEqual(yaml, json);
  assert.equal(yaml.rules.length, 3);
});

test('YAML rules files (.yml, .yaml): the same checks and messages as JSON; a syntax error names the line', () => {
  const dir = tempDir();
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const good = loadRules(write('a.yaml', 'rules:\n  - name: Errors\n    kind: error_count\n    window: 1h\n    threshold: 10\n    for: 5m\n'));
  assert.deepEqual(good.rules.map((r) => [r.name, r.kind, r.window, r.threshold, r.for]), [['Errors', 'error_count', 3_600_000, 10, 300_000]]);
  // The validation is parseRules', whatever the syntax: the same code and message as JSON's.
  const jsonErr = (() => { try { loadRules(write('b.json', '{"rules":[{"name":"A","kind":"errors","window":"1h","threshold":1}]}')); } catch (e) { return e as AlertError; } })();
  const yamlErr = (() => { try { loadRules(write('b.yml', 'rules:\n  - { name: A, kind: errors, window: 1h, threshold: 1 }\n')); } catch (e) { return e as AlertError; } })();
  assert.ok(jsonErr instanceof AlertError && yamlErr instanceof AlertError);
  assert.equal(yamlErr.code, 'DAYBOOK_E_ALERT_KIND');
  assert.equal(yamlErr.message, jsonErr.message);
  // YAML's own types are not JSON's: a quoted threshold stays a string and is refused.
  assert.throws(() => loadRules(write('c.yml', 'rules:\n  - name: A\n    kind: error_count\n    window: 1h\n    threshold: "10"\n')), (e: AlertError) => e.code === 'DAYBOOK_E_ALERT_THRESHOLD' && e.message.includes('rule "A"'));
  // A syntax error: the file and the line.
  const broken = write('d.yml', 'rules:\n  - name: A\n    kind: [error_count\n  - name: B\n');
  assert.throws(() => loadRules(broken), (e: AlertError) => e.code === 'DAYBOOK_E_ALERT_RULES_SYNTAX' && e.message.includes(broken) && /at line 4, column \d+/.test(e.message) && !e.message.includes('\n'));
  // A key given twice is an error in YAML (JSON.parse would keep the last silently).
  assert.throws(() => loadRules(write('e.yaml', 'rules: []\nrules: []\n')), (e: AlertError) => e.code === 'DAYBOOK_E_ALERT_RULES_SYNTAX' && /line 2/.test(e.message));
  // Not a mapping.
  assert.throws(() => loadRules(write('f.yml', '- a\n- b\n')), (e: AlertError) => e.code === 'DAYBOOK_E_ALERT_RULES_SHAPE');
});

test('every error code is documented in the README with its hint', async () => {
  const { readFileSync } = await import('node:fs');
  const { ALERT_ERROR_CODES } = await import('./errors.js');
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const [code, hint] of Object.entries(ALERT_ERROR_CODES)) assert.ok(readme.includes(`| \`${code}\` | ${hint} |`), code);
});

test('every error code is in docs/errors.md, the list of all of daybook\'s codes', async () => {
  const { readFileSync } = await import('node:fs');
  const { ALERT_ERROR_CODES } = await import('./errors.js');
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  for (const code of Object.keys(ALERT_ERROR_CODES)) assert.ok(doc.includes(`| \`${code}\` |`), `${code} is missing from docs/errors.md`);
});
