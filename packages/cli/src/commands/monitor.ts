import { writeFileSync } from 'node:fs';
import { parseSize } from '@daybook/core';
import { defineCommand, parseCommand, repeatable, usageError } from '../args.js';

export const command = () => defineCommand('monitor', '[dir] [--dry-run | --maintenance-only] [--json] [--report FILE] [options]',
  `Checks the log directory dir (default: logs): every critical app's log exists and is fresh,
sizes, rotation, compression of backups, retention, free disk space, ERROR and WARNING counts over
the last hour, damaged lines and the hash chain (verify). Then does the maintenance: compresses
rotated backups and deletes those past retention, naming each file and the bytes freed.`,
  'Exit status: 0 healthy, 1 issues found (or maintenance failed), 2 bad usage.')
  .argument('[dir]', 'the log directory (default logs)')
  .allowExcessArguments(true)
  .option('--dry-run', 'check, and say what maintenance would do without doing it')
  .option('--maintenance-only', 'do the maintenance, skip the checks')
  .option('--json', 'print the report as JSON')
  .option('--report <file>', 'also write the JSON report to FILE')
  .option('--app <name>', 'a critical app whose NAME.log must exist (repeatable)', repeatable)
  .option('--stale-minutes <n>', 'a critical log older than this is stale (default 60)')
  .option('--warn-size <size>', 'active log size that warns (default 100MB)')
  .option('--critical-size <size>', 'active log size that is critical (default 500MB)')
  .option('--max-file-size <size>', "the loggers' rotation limit (default 10MB); 2x it means rotation is broken")
  .option('--backup-count <n>', 'backups to keep (default 5)')
  .option('--retention-days <n>', 'backups older than this are past retention and deleted (default 7)')
  .option('--max-errors <n>', 'ERROR/CRITICAL lines per hour that warn (default 10)');

const INT = /^\d+$/;

export async function run(argv: string[]): Promise<number> {
  const cmd = command();
  const parsed = parseCommand(cmd, argv);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const bad: string[] = [];
  const int = (name: 'stale-minutes' | 'backup-count' | 'retention-days' | 'max-errors'): number | undefined => {
    const v = values[name] as string | undefined;
    if (v === undefined) return undefined;
    if (!INT.test(v)) bad.push(`--${name} ${v} is not a whole number`);
    return Number(v);
  };
  const size = (name: 'warn-size' | 'critical-size' | 'max-file-size'): number | undefined => {
    const v = values[name] as string | undefined;
    if (v === undefined) return undefined;
    const n = parseSize(v);
    if (n === undefined) bad.push(`--${name} ${v} is not a size (10MB, 1048576)`);
    return n;
  };
  const options = {
    apps: values.app as string[] | undefined, staleMinutes: int('stale-minutes'), warnBytes: size('warn-size'), criticalBytes: size('critical-size'),
    maxFileSize: size('max-file-size'), backupCount: int('backup-count'), retentionDays: int('retention-days'), maxErrorsPerHour: int('max-errors'),
  };
  if (positionals.length > 1) bad.push('one directory at most');
  if (values['dry-run'] === true && values['maintenance-only'] === true) bad.push('--dry-run and --maintenance-only exclude each other');
  if (bad.length > 0) return usageError(cmd, bad.join('; '));
  const { monitor, formatMonitorReport, formatMaintenance, ToolsError } = await import('@daybook/tools');
  const mode = values['dry-run'] === true ? 'dry-run' : values['maintenance-only'] === true ? 'maintenance-only' : 'check';
  let report;
  try {
    report = await monitor(positionals[0] ?? 'logs', { ...options, mode });
  } catch (e) {
    process.stderr.write(`daybook monitor: ${(e as Error).message}\n`);
    return e instanceof ToolsError && e.isUsage ? 2 : 1;
  }
  const { dir: _dir, ...contract } = report;
  const json = JSON.stringify(contract, null, 2) + '\n';
  if (typeof values.report === 'string') writeFileSync(values.report, json);
  if (values.json === true) process.stdout.write(json);
  else if (mode === 'maintenance-only') process.stdout.write(formatMaintenance(report.maintenance, false) + report.issues.map((i) => `${i.file}: ${i.message}\n`).join(''));
  else process.stdout.write(formatMonitorReport(report, mode === 'dry-run'));
  return report.issues.length > 0 ? 1 : 0;
}
