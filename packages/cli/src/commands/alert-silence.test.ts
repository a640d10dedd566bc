import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../analytics/dist/test/helpers.js';

// The module as the `alert` command runs it: `daybook alert silence ...` hands it what follows `silence`.
const MODULE = new URL('./alert-silence.js', import.meta.url).href;
const silence = (argv: string[]) => spawnSync(process.execPath, ['--input-type=module', '-e',
  `import { run } from ${JSON.stringify(MODULE)}; process.exitCode = await run(${JSON.stringify(argv)});`], { encoding: 'utf8' });

test('daybook alert silence add, list, expire: a silence in the log directory\'s alert state', () => {
  const logs = tempDir();
  const added = silence(['add', '--matcher', 'alertname=HighErrorCount', '--matcher', 'bot=a1', '--duration', '2h', '--comment', 'broker maintenance', '--author', 'ann', '--dir', logs]);
  assert.equal(added.status, 0, added.stderr);
  const id = added.stdout.trim();
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.ok(existsSync(join(logs, '.daybook', 'alerts', 'silences.json')));
  const listed = silence(['list', '--dir', logs]);
  assert.equal(listed.status, 0);
  assert.match(listed.stdout, new RegExp(`^${id.slice(0, 8)}\\s+active\\s+\\S+\\s+\\S+\\s+alertname=HighErrorCount bot=a1\\s+ann\\s+broker maintenance$`, 'm'));
  const json = JSON.parse(silence(['list', '--json', '--dir', logs]).stdout);
  assert.deepEqual(json.silences.map((s: any) => [s.id, s.state, s.matchers]), [[id, 'active', { alertname: 'HighErrorCount', bot: 'a1' }]]);
  assert.equal(Date.parse(json.silences[0].endsAt) - Date.parse(json.silences[0].startsAt), 2 * 3600_000);

  const expired = silence(['expire', id.slice(0, 8), '--dir', logs]);
  assert.equal(expired.status, 0, expired.stderr);
  assert.equal(expired.stdout, `expired ${id}\n`);
  assert.equal(silence(['list', '--dir', logs]).stdout, 'no silences\n');
  assert.match(silence(['list', '--all', '--dir', logs]).stdout, /expired/);
  const again = silence(['expire', id, '--dir', logs]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /^daybook alert silence expire: silence .* already ended at .*\[DAYBOOK_E_ALERT_SILENCE\]\n$/);
});

test('daybook alert silence: --state DIR is the state directory itself', () => {
  const state = tempDir();
  assert.equal(silence(['add', '--matcher', 'alertname=BotSilent', '--until', '2999-01-01T00:00:00Z', '--state', state]).status, 0);
  assert.ok(existsSync(join(state, 'silences.json')));
});

test('daybook alert silence: bad usage exits 2 and says what to fix', () => {
  const dir = tempDir();
  const cases: Array<[string[], RegExp]> = [
    [['add', '--duration', '2h', '--dir', dir], /at least one matcher.*\[DAYBOOK_E_ALERT_SILENCE\]/],
    [['add', '--matcher', 'alertname=~High.*', '--duration', '2h', '--dir', dir], /equality only/],
    [['add', '--matcher', 'alertname=X', '--duration', '2 hours', '--dir', dir], /duration '2 hours' is not like 2h/],
    [['add', '--matcher', 'alertname=X', '--dir', dir], /give --duration \(like 2h\) or --until TIME/],
    [['add', '--matcher', 'alertname=X', '--until', 'tomorrow', '--dir', dir], /--until tomorrow is not an ISO-8601 instant/],
    [['list', '--dir', dir, '--state', dir], /give --dir or --state, not both/],
    [['expire', '--dir', dir], /give the id of one silence/],
    [['mute'], /unknown subcommand 'mute'/],
  ];
  for (const [argv, message] of cases) {
    const r = silence(argv);
    assert.equal(r.status, 2, argv.join(' '));
    assert.match(r.stderr, message, argv.join(' '));
  }
  assert.equal(silence(['expire', 'abcdef12', '--dir', dir]).status, 1, 'no such silence: a finding, exit 1');
  assert.equal(silence(['add', '--help']).status, 0);
});

test('daybook alert silence: a silences.json that cannot be written or read exits 1 (list too: not "no silences") with DAYBOOK_E_ALERT_STATE, one line, nothing overwritten', () => {
  const state = tempDir();
  const file = join(state, 'silences.json');
  const add = ['add', '--matcher', 'alertname=BotSilent', '--duration', '2h', '--state', state];
  // A directory in the file's place (not empty): the write fails, as on a read-only or full disk (tests run as root: chmod stops nothing).
  mkdirSync(file);
  writeFileSync(join(file, 'x'), '');
  let r = silence(add);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^daybook alert silence add: cannot .*silences\.json.*make the directory writable.*\[DAYBOOK_E_ALERT_STATE\]\n$/);
  const damaged = tempDir();
  writeFileSync(join(damaged, 'silences.json'), '{"version":1,"silences":[');
  for (const argv of [['add', ...add.slice(1, -1), damaged], ['expire', 'abcdef12', '--state', damaged], ['list', '--state', damaged]]) {
    r = silence(argv);
    assert.equal(r.status, 1, argv.join(' '));
    assert.match(r.stderr, /cannot read .*silences\.json.*move it aside.*\[DAYBOOK_E_ALERT_STATE\]\n$/, argv.join(' '));
  }
  assert.equal(readFileSync(join(damaged, 'silences.json'), 'utf8'), '{"version":1,"silences":[');
});
