import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { AlertError, parseMatchers, silenceDuration, stateDirOf, SilenceError, silenceState, SilenceStore, type AlertAudit, type Silence } from '@daybook/alert';
import { defineCommand, parseCommand, repeatable, usageError } from '../args.js';
import { table } from '../table.js';

/**
 * `daybook alert silence add|list|expire`: the silences a running `daybook alert` reads from
 * its state directory (`<logs>/.daybook/alerts/silences.json`, or --state DIR). The `alert`
 * command hands its arguments after `silence` to run().
 */

/** How the `alert` command lets silences reach its audit trail (`<state dir>/audit`); without it they are not audited. */
export interface SilenceDeps {
  openAudit?: (stateDir: string) => Promise<{ audit: AlertAudit; close(): Promise<void> }>;
  now?: () => number;
}

const WHERE = 'Where: --state DIR, or --dir LOGS for LOGS/.daybook/alerts (default: --dir logs), the state directory `daybook alert` uses.';

const withWhere = (cmd: Command): Command => cmd
  .option('--dir <dir>', 'the log directory whose alerts these are (default logs)')
  .option('--state <dir>', 'the alert state directory itself');

export const commands = {
  add: () => withWhere(defineCommand('alert silence add', '--matcher NAME=VALUE... (--duration 2h | --until TIME) [--comment TEXT] [options]',
    `Silences the alerts whose labels match every matcher (alertname included) from now (or --start)
until the end: they are neither notified nor counted against a receiver's rate limit. They are
still evaluated, and their firing and resolution still written to the audit trail. Prints the
silence's id.`,
    `${WHERE}\n\nExit codes: 0 added, 1 silences.json cannot be read or written, 2 bad usage.\n\nExample:\n  daybook alert silence add --matcher alertname=HighErrorCount --duration 2h --comment "broker maintenance"`))
    .option('--matcher <name=value>', 'a label that must equal the value (repeat; alertname=NAME for a rule)', repeatable)
    .option('--duration <d>', 'how long, like 30m, 2h, 1d')
    .option('--until <time>', 'or the end, an ISO-8601 instant')
    .option('--start <time>', 'the start, an ISO-8601 instant (default now)')
    .option('--comment <text>', 'why (shown by list, kept in the audit trail)')
    .option('--author <name>', "who (default the system user's name)")
    .option('--json', 'print the silence as JSON'),
  list: () => withWhere(defineCommand('alert silence list', '[--all] [--json] [options]',
    'Lists the silences in force or to come (with --all, also those ended in the last 5 days).',
    `${WHERE}\n\nExit codes: 0, 1 silences.json cannot be read, 2 bad usage.`))
    .option('--all', 'also the expired ones')
    .option('--json', 'print { "silences": [...] } with each one\'s state'),
  expire: () => withWhere(defineCommand('alert silence expire', 'ID [options]',
    'Ends a silence now. ID is the id add printed, or its first 8 characters or more, as list prints it.',
    `${WHERE}\n\nExit codes: 0 expired, 1 no such silence, already ended, or silences.json cannot be read or written, 2 bad usage.`))
    .argument('[id]', 'the silence'),
};

/** The help of `daybook alert silence`. */
export const command = (): Command => defineCommand('alert silence', '<add|list|expire> [options]',
  `Silences: label matchers and a time span during which matching alerts are not notified.
  add      silence alerts (--matcher, --duration or --until, --comment)
  list     the silences in force or to come (--all: also ended ones)
  expire   end a silence now`,
  'Run daybook alert silence <add|list|expire> --help for their options.');

export async function run(argv: string[], deps: SilenceDeps = {}): Promise<number> {
  const [sub, ...rest] = argv;
  const now = deps.now ?? Date.now;
  if (sub !== 'add' && sub !== 'list' && sub !== 'expire') {
    const cmd = command();
    if (sub === undefined || sub === '--help' || sub === '-h') {
      cmd.outputHelp();
      return sub === undefined ? 2 : 0;
    }
    return usageError(cmd, `unknown subcommand '${sub}' (add, list or expire)`);
  }
  const cmd = commands[sub]();
  const parsed = parseCommand(cmd, rest);
  if (typeof parsed === 'number') return parsed;
  const v = parsed.values as { dir?: string; state?: string; matcher?: string[]; duration?: string; until?: string; start?: string; comment?: string; author?: string; json?: boolean; all?: boolean };
  if (v.dir !== undefined && v.state !== undefined) return usageError(cmd, 'give --dir or --state, not both');
  const logDir = v.dir ?? 'logs';
  const stateDir = v.state ?? stateDirOf(logDir);
  try {
    if (sub === 'list') {
      const t = now();
      const shown = new SilenceStore(stateDir).list().filter((s) => v.all === true || silenceState(s, t) !== 'expired');
      if (v.json === true) process.stdout.write(JSON.stringify({ silences: shown.map((s) => ({ ...s, state: silenceState(s, t) })) }, null, 2) + '\n');
      else process.stdout.write(shown.length === 0 ? 'no silences\n' : table(['id', 'state', 'starts', 'ends', 'matchers', 'by', 'comment'], shown.map((s) => [
        s.id.slice(0, 8), silenceState(s, t), s.startsAt, s.endsAt, Object.entries(s.matchers).map(([k, x]) => `${k}=${x}`).join(' '), s.createdBy, s.comment,
      ])));
      return 0;
    }
    const audited = deps.openAudit === undefined ? undefined : await deps.openAudit(stateDir);
    const store = new SilenceStore(stateDir, { audit: audited?.audit });
    try {
      if (sub === 'add') {
        if (v.duration === undefined && v.until === undefined) return usageError(cmd, 'give --duration (like 2h) or --until TIME');
        if (v.duration !== undefined && v.until !== undefined) return usageError(cmd, 'give --duration or --until, not both');
        const start = v.start === undefined ? undefined : instant('--start', v.start);
        const s = await store.add({
          matchers: parseMatchers(v.matcher ?? []), startsAt: start, duration: v.duration === undefined ? undefined : silenceDuration(v.duration),
          endsAt: v.until === undefined ? undefined : instant('--until', v.until), createdBy: v.author ?? user(), comment: v.comment ?? '',
        }, now());
        process.stdout.write(v.json === true ? JSON.stringify(s, null, 2) + '\n' : `${s.id}\n`);
        return 0;
      }
      const id = parsed.positionals[0];
      if (id === undefined || parsed.positionals.length > 1) return usageError(cmd, 'give the id of one silence (daybook alert silence list)');
      const s = await store.expire(id, now());
      process.stdout.write(`expired ${s.id}\n`);
      return 0;
    } finally {
      await audited?.close();
    }
  } catch (e) {
    if (!(e instanceof SilenceError) && !(e instanceof AlertError)) throw e;
    process.stderr.write(`daybook alert silence ${sub}: ${e.message}. ${e.hint} [${e.code}]\n`);
    // A silences.json that cannot be read or written, or a silence that does not exist (or
    // ended), is a finding, not a usage mistake.
    return e instanceof AlertError || (sub === 'expire' && /^no silence|already ended/.test(e.message)) ? 1 : 2;
  }
}

function instant(option: string, text: string): number {
  const t = Date.parse(text);
  if (!Number.isFinite(t) || !/^\d{4}-\d\d-\d\d/.test(text)) throw new SilenceError(`${option} ${text} is not an ISO-8601 instant such as 2026-09-15T14:00:00Z`);
  return t;
}

function user(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export type { Silence };
