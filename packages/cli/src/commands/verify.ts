import { readFileSync } from 'node:fs';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { verify, type VerifyResult } from '@daybook/core';
import { verifyAgainstClickHouse, type FleetVerifyResult } from '@daybook/clickhouse';
import { defineCommand, parseCommand } from '../args.js';
import { botOfDir, clickhouseFailed, openFleet, withClickHouseOptions, type ClickHouseValues } from '../clickhouse.js';
import { count } from '../format.js';
import { NO_PROGRESS, startProgress } from '../progress.js';

export const command = () => withClickHouseOptions(defineCommand('verify', '<dir> [--public-key FILE] [--clickhouse URL [--bot NAME]] [--json]',
  `Checks the hash chain of every log file in <dir>, rotated and compressed ones included: each
line's link to the one before, the links across files, the checkpoints in <dir>/.daybook/, and
(with --public-key, the PEM public key of the logger's signingKey) that every checkpoint is signed
by that key.

Every file a report would read is accounted for: a file named like a log file that is no file
of its stream (audit.log.0, audit.log.gz, an unchained or foreign backup, a FIFO) is
foreign_file; an event_id repeated with other content is duplicate_event.

Reports the first bad line of each file and what the damage looks like: modified, deleted,
inserted, reordered, truncated, missing_file, bad_signature, foreign_file, duplicate_event. A
line cut short by a crash is reported as torn_tail, and a plain backup beside its identical
gzip (a compression killed midway) as leftover: neither is damage. Lines written after the last
checkpoint are listed as unvouched (not damage: until the next checkpoint nothing but the lines
themselves vouches for them).

With --clickhouse URL, also checks that ClickHouse holds exactly the events of <dir>'s audit.log
family for its bot (--bot, default the directory's name, as \`daybook ship\` names it): none
missing, none altered (every column, the line's chain link included), none added. ClickHouse
is the outside witness: a directory rolled back or cut short after its lines were shipped
fails this check.`,
  'Exit status: 0 clean, 1 damaged, no log files in <dir>, or ClickHouse differs or is unusable, 2 bad usage.')
  .argument('[dir]', 'the log directory')
  .allowExcessArguments(true)
  .option('--public-key <file>', "the PEM public key matching the logger's signingKey: checkpoint signatures are checked")
  .option('--json', 'print the result as JSON'), false)
  .option('--bot <name>', "with --clickhouse: the bot <dir> was shipped as (default: the directory's name)");

export async function run(argv: string[]): Promise<number> {
  const cmd = command();
  const parsed = parseCommand(cmd, argv);
  if (typeof parsed === 'number') return parsed;
  const { positionals } = parsed;
  const values = parsed.values as { 'public-key'?: string; json?: boolean } & ClickHouseValues;
  const dir = positionals[0];
  if (dir === undefined || positionals.length > 1) {
    process.stderr.write('daybook verify: give exactly one log directory [DAYBOOK_E_VERIFY_USAGE]\n\n');
    cmd.outputHelp({ error: true });
    return 2;
  }
  let publicKey: KeyObject | undefined;
  if (values['public-key'] !== undefined) {
    try {
      publicKey = createPublicKey(readFileSync(values['public-key']));
      if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error(`a ${publicKey.asymmetricKeyType} key, not Ed25519`);
    } catch (e) {
      process.stderr.write(`daybook verify: --public-key ${values['public-key']}: ${(e as Error).message}. Pass the PEM public key matching the logger's signingKey. [DAYBOOK_E_VERIFY_USAGE]\n`);
      return 2;
    }
  }
  let result: VerifyResult;
  // Verify reads every byte of every file: on a terminal, say so when it takes a while.
  const progress = values.json === true ? NO_PROGRESS : startProgress(process.stderr, { label: `verifying ${dir}` });
  try {
    result = await verify(dir, { publicKey });
  } catch (e) {
    process.stderr.write(`daybook verify: cannot read ${dir}: ${(e as Error).message} [DAYBOOK_E_VERIFY_USAGE]\n`);
    return 2;
  } finally {
    progress.stop();
  }
  let fleet: FleetVerifyResult | undefined;
  let display = '';
  if (values.clickhouse !== undefined) {
    const opened = await openFleet('verify', { ...values, clickhouse: values.clickhouse });
    if (typeof opened === 'number') return opened;
    display = opened.target.display;
    try {
      fleet = await verifyAgainstClickHouse(opened.runner, opened.target.database, dir, values.bot ?? botOfDir(dir));
    } catch (e) {
      return clickhouseFailed('verify', e);
    } finally {
      await opened.close();
    }
  }
  if (values.json) process.stdout.write(JSON.stringify(fleet === undefined ? result : { ...result, clickhouse: fleet }, null, 2) + '\n');
  else process.stdout.write(render(result, dir, publicKey !== undefined) + (fleet === undefined ? '' : renderFleet(fleet, display)));
  return result.ok && fleet?.ok !== false ? 0 : 1;
}

function renderFleet(f: FleetVerifyResult, display: string): string {
  const lines: string[] = [];
  for (const m of f.missing) lines.push(`${'missing'.padEnd(15)} ${m.at}  event ${m.event_id} is not in ClickHouse`);
  for (const a of f.altered) lines.push(`${'altered'.padEnd(15)} ${a.at}  event ${a.event_id} differs in ClickHouse${a.columns.length > 0 ? `: ${a.columns.join(', ')}` : ''}`);
  for (const a of f.added) lines.push(`${'added'.padEnd(15)} ${a.at}  event ${a.event_id} is in ClickHouse, not in the directory`);
  const { missing, altered, added } = f.counts;
  lines.push(f.ok
    ? `ok: ClickHouse at ${display} holds exactly the ${count(f.lines)} events of bot ${f.bot}`
    : `DIFFERS: ClickHouse at ${display}, bot ${f.bot}: ${count(missing)} missing, ${count(altered)} altered, ${count(added)} added (${count(f.lines)} events in the directory, ${count(f.rows)} in ClickHouse)`);
  return lines.join('\n') + '\n';
}

function render(r: VerifyResult, dir: string, signed: boolean): string {
  const lines: string[] = [];
  // Only log files whose lines were checked count as verified: not the checkpoint files, not app logs nobody chained.
  const checked = r.files.filter((f) => !f.file.startsWith('.daybook/') && f.chained !== false);
  const unchained = r.files.filter((f) => f.chained === false && r.problems.every((p) => p.file !== f.file));
  const total = checked.reduce((n, f) => n + f.lines, 0);
  for (const p of r.problems) lines.push(`${p.kind.padEnd(15)} ${p.file}${p.line > 0 ? `:${p.line}` : ''}  ${p.message}`);
  for (const u of r.unvouched ?? []) {
    const span = u.from === undefined ? '' : u.from === u.to ? `, at ${u.from}` : `, ${u.from} to ${u.to}`;
    lines.push(`${'unvouched'.padEnd(15)} ${u.file}  ${count(u.lines)} line${u.lines === 1 ? '' : 's'} after the last checkpoint${span}: not yet covered by a checkpoint`);
  }
  for (const w of r.warnings ?? []) lines.push(`warning: ${w.message} [${w.code}]`);
  if (unchained.length > 0) lines.push(`not verified (written without links, by choice): ${unchained.map((f) => f.file).join(', ')}`);
  const damaged = r.problems.filter((p) => p.kind !== 'torn_tail' && p.kind !== 'leftover').length;
  lines.push(
    r.ok
      ? `ok: ${count(checked.length)} files verified, ${count(total)} lines in ${dir}${signed ? ', checkpoints signed by the key' : ' (signatures not checked: pass --public-key)'}`
      : checked.length === 0 && r.files.length === 0
        ? `NOTHING VERIFIED: ${r.problems[0]?.message ?? `no log files in ${dir}`}`
        : `DAMAGED: ${count(damaged)} problem${damaged === 1 ? '' : 's'} in ${dir} (${count(checked.length)} files, ${count(total)} lines)`,
  );
  return lines.join('\n') + '\n';
}
