import { statfsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { classifyApp, LOG_FILES, type AppClass, type ClassificationConfig } from '@daybook/core';
import { checkChain, type ChainStatus } from './chain.js';
import { AUDIT_FILE_NAMES, AUDIT_VIEW_NAMES, scanLogDir, type LogStream } from './log-dir.js';
import { scanFile, type FileScan, type LineScan } from './log-lines.js';
import { planMaintenance, runMaintenance, type MaintenanceAction } from './maintenance.js';
import { formatBytes } from './report-format.js';

const MiB = 1024 * 1024;
const DAY = 86_400_000;
const HOUR = 3_600_000;

export interface MonitorThresholds {
  /** A critical app's active log not written for this long is stale. */
  staleMinutes: number;
  warnBytes: number;
  criticalBytes: number;
  /** The rotation limit of the loggers that write here. */
  maxFileSize: number;
  /** An active file past maxFileSize × this has not been rotated. */
  rotationFactor: number;
  backupCount: number;
  /** The age at which a backup is past retention: the check warns and maintenance deletes at the same age. */
  retentionDays: number;
  /** Backups are expected gzipped. */
  compress: boolean;
  maxErrorsPerHour: number;
  maxWarningsPerHour: number;
  /** Free disk space below this warns; below criticalFreeBytes it is critical. */
  minFreeBytes: number;
  criticalFreeBytes: number;
  /** How much of each active file is read for level counts and damage (8× this of a plain backup; a gzipped one is read whole, streamed). */
  tailBytes: number;
}

// The Drift monitor's numbers (seed-notes.md) and the app loggers' rotation defaults.
export const DEFAULT_THRESHOLDS: MonitorThresholds = {
  staleMinutes: 60, warnBytes: 100 * MiB, criticalBytes: 500 * MiB, maxFileSize: 10 * MiB, rotationFactor: 2,
  backupCount: 5, retentionDays: 7, compress: true, maxErrorsPerHour: 10, maxWarningsPerHour: 100,
  minFreeBytes: 1024 * MiB, criticalFreeBytes: 100 * MiB, tailBytes: 8 * MiB,
};

export interface MonitorOptions extends Partial<MonitorThresholds> {
  /** Critical apps whose `<app>.log` must exist. */
  apps?: readonly string[];
  classification?: ClassificationConfig;
  /** `check`: report and do the maintenance; `dry-run`: report and plan it; `maintenance-only`: do it, no report. */
  mode?: 'check' | 'dry-run' | 'maintenance-only';
  now?: number;
  /** Free and total bytes of the disk holding `dir` (tests pass their own). */
  disk?: (dir: string) => { free: number; total: number } | undefined;
  chain?: (dir: string) => Promise<ChainStatus>;
}

export interface MonitorIssue {
  file: string;
  severity: 'warning' | 'critical';
  check: string;
  message: string;
}

export interface FileSummary {
  file: string;
  app: string;
  classification: AppClass;
  bytes: number;
  backups: number;
  age_minutes: number;
  errors_last_hour: number;
  warnings_last_hour: number;
  /** Set on a category view of audit.log beside it: its levels are counted there (its counts here are 0). */
  counted_in?: string;
}

/** The `daybook monitor --json` shape of the contract, and more. */
export interface MonitorReport {
  dir: string;
  issues: MonitorIssue[];
  maintenance: MaintenanceAction[];
  files: FileSummary[];
  chain: ChainStatus;
  disk: { free_bytes: number; total_bytes: number } | undefined;
}

// These audit files are written only when something of their kind happens: silence is normal.
const QUIET_FILES = new Set(['errors.log', 'trades.log', 'performance.log', 'system.log']);

function defaultDisk(dir: string): { free: number; total: number } | undefined {
  try {
    const s = statfsSync(dir);
    return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
  } catch {
    return undefined; // a file system that cannot say: no disk check rather than a wrong one
  }
}

const mb = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;

/** What a damaged read says (a NUL run, damaged lines); empty when it found no damage. */
function damage(scan: FileScan, where: string): { severity: MonitorIssue['severity']; message: string }[] {
  const out: { severity: MonitorIssue['severity']; message: string }[] = [];
  const run = scan.longestNulRun;
  // A run of NULs is what a crash leaves where the file grew before its data reached the disk: the records there are lost.
  if (run !== undefined && run.bytes >= NUL_RUN_BYTES) {
    out.push({ severity: 'warning', message: `${formatBytes(scan.nulBytes)} of NUL bytes${where}, the longest run ${formatBytes(run.bytes)} at byte ${run.offset}: the records written there were lost (a crash before the data reached the disk)` });
  }
  if (scan.damagedLines > 0) out.push({ severity: 'warning', message: `${scan.damagedLines} damaged line(s), the first at line${where} ${scan.damaged[0]}` });
  return out;
}

// Shorter NUL runs are left to the damaged-line count: a NUL inside a line makes it damaged.
const NUL_RUN_BYTES = 512;

async function checkStream(dir: string, s: LogStream, cls: AppClass, t: MonitorThresholds, now: number, issues: MonitorIssue[], countLevels: boolean): Promise<FileSummary | undefined> {
  const issue = (file: string, severity: MonitorIssue['severity'], check: string, message: string): void => {
    issues.push({ file, severity, check, message });
  };
  let errors = 0;
  let warnings = 0;
  const count = (scan: LineScan): void => {
    if (!countLevels) return;
    errors += scan.errorsLastHour;
    warnings += scan.warningsLastHour;
  };
  const present = new Set(s.backups.map((b) => b.n));
  const highest = Math.max(0, ...present);
  const gaps = Array.from({ length: highest }, (_, i) => i + 1).filter((n) => !present.has(n));
  if (gaps.length > 0) issue(s.base, 'warning', 'rotation', `backups ${gaps.map((n) => `.${n}`).join(', ')} are missing from the numbering`);
  // Maintenance leaves chained backups to their logger: a deletion the chain did not record reads as tampering.
  const owner = s.chained ? '; chained: the logger that owns the chain prunes it' : '';
  if (present.size > t.backupCount) issue(s.base, 'warning', 'retention', `${present.size} backups kept, more than backupCount ${t.backupCount}${owner}`);
  for (const b of s.backups) {
    const ageDays = (now - b.mtimeMs) / DAY;
    if (ageDays > t.retentionDays) issue(b.file, 'warning', 'retention', `older than the ${t.retentionDays}-day retention (${Math.floor(ageDays)} days)${owner}`);
    if (t.compress && !b.gz) issue(b.file, 'warning', 'compression', 'rotated backup is not compressed');
    let scan: FileScan;
    try {
      scan = await scanFile(join(dir, b.file), { now, windowMs: HOUR, gz: b.gz, size: b.bytes, tailBytes: 8 * t.tailBytes });
    } catch (e) {
      issue(b.file, 'critical', 'damaged', `cannot be read${b.gz ? ' as gzip' : ''}: ${(e as Error).message}`);
      continue;
    }
    if (now - b.mtimeMs <= HOUR) count(scan);
    const where = scan.whole ? '' : ` (of the last ${mb(8 * t.tailBytes)})`;
    for (const d of damage(scan, where)) issue(b.file, d.severity, 'damaged', d.message);
    // A closed backup cannot be mid-write: a torn last line is a lost record.
    if (scan.tornTail) issue(b.file, 'warning', 'damaged', `the last line (${scan.lines}) is cut short`);
  }
  const a = s.active;
  if (a === undefined) return undefined;
  const ageMinutes = (now - a.mtimeMs) / 60_000;
  if (cls === 'critical' && !QUIET_FILES.has(s.base) && ageMinutes > t.staleMinutes) {
    issue(a.file, 'warning', 'stale', `not written for ${Math.floor(ageMinutes)} minutes (threshold ${t.staleMinutes})`);
  }
  if (a.bytes > t.criticalBytes) issue(a.file, 'critical', 'size', `${mb(a.bytes)}, over the critical size ${mb(t.criticalBytes)}`);
  else if (a.bytes > t.warnBytes) issue(a.file, 'warning', 'size', `${mb(a.bytes)}, over the warning size ${mb(t.warnBytes)}`);
  if (a.bytes > t.maxFileSize * t.rotationFactor) {
    issue(a.file, 'critical', 'rotation', `${mb(a.bytes)} is ${(a.bytes / t.maxFileSize).toFixed(1)}× the rotation limit ${mb(t.maxFileSize)}${s.backups.length === 0 ? ' and there are no backups' : ''}: rotation is not working`);
  }
  let scan: FileScan;
  try {
    scan = await scanFile(join(dir, a.file), { now, windowMs: HOUR, size: a.bytes, tailBytes: t.tailBytes });
  } catch (e) {
    issue(a.file, 'critical', 'damaged', `cannot be read: ${(e as Error).message}`);
    return undefined;
  }
  count(scan);
  const found = damage(scan, scan.whole ? '' : ` (of the last ${mb(t.tailBytes)})`);
  for (const d of found) issue(a.file, d.severity, 'damaged', d.message);
  if (found.length === 0 && scan.lines > 0 && scan.recognized === 0) issue(a.file, 'warning', 'damaged', 'no line is in a log format daybook knows');
  if (errors > t.maxErrorsPerHour) issue(a.file, 'warning', 'errors', `${errors} ERROR/CRITICAL lines in the last hour (threshold ${t.maxErrorsPerHour})`);
  if (warnings > t.maxWarningsPerHour) issue(a.file, 'warning', 'warnings', `${warnings} WARNING lines in the last hour (threshold ${t.maxWarningsPerHour})`);
  return {
    file: a.file, app: s.app, classification: cls, bytes: a.bytes, backups: s.backups.length, age_minutes: Math.max(0, ageMinutes),
    errors_last_hour: errors, warnings_last_hour: warnings,
    ...(countLevels ? {} : { counted_in: LOG_FILES.audit }),
  };
}

/** Health checks and maintenance of a log directory (the Drift summary's monitor_logging.py). */
export async function monitor(dirInput: string, options: MonitorOptions = {}): Promise<MonitorReport> {
  const dir = resolve(dirInput);
  const t: MonitorThresholds = { ...DEFAULT_THRESHOLDS };
  for (const k of Object.keys(DEFAULT_THRESHOLDS) as (keyof MonitorThresholds)[]) {
    if (options[k] !== undefined) (t as unknown as Record<string, unknown>)[k] = options[k];
  }
  const mode = options.mode ?? 'check';
  const now = options.now ?? Date.now();
  const policy = { retentionDays: t.retentionDays, backupCount: t.backupCount, compress: t.compress };
  let streams = scanLogDir(dir);
  const plan = planMaintenance(streams, policy, now);
  const issues: MonitorIssue[] = [];
  let maintenance = plan;
  if (mode !== 'dry-run') {
    const r = await runMaintenance(dir, plan);
    maintenance = r.done;
    for (const f of r.failed) issues.push({ file: f.file, severity: 'warning', check: 'maintenance', message: f.message });
    streams = scanLogDir(dir);
  }
  if (mode === 'maintenance-only') {
    return { dir, issues, maintenance, files: [], chain: { status: 'not checked', detail: 'maintenance only', problems: [] }, disk: undefined };
  }
  const files: FileSummary[] = [];
  // trades/system/errors/performance.log are views of audit.log: beside it, each of their
  // lines is an audit.log line too, so levels are counted in audit.log alone (analytics' eventFiles reads the same way).
  const withAudit = streams.some((s) => s.base === LOG_FILES.audit);
  for (const s of streams) {
    const cls: AppClass = AUDIT_FILE_NAMES.has(s.base) ? 'critical' : classifyApp(s.app, options.classification);
    const summary = await checkStream(dir, s, cls, t, now, issues, !(withAudit && AUDIT_VIEW_NAMES.has(s.base)));
    if (summary !== undefined) files.push(summary);
  }
  for (const app of options.apps ?? []) {
    if (!streams.some((s) => s.app === app && s.active !== undefined)) issues.push({ file: `${app}.log`, severity: 'critical', check: 'missing', message: `critical app ${app} has no log file` });
  }
  const d = (options.disk ?? defaultDisk)(dir);
  if (d !== undefined) {
    if (d.free < t.criticalFreeBytes) issues.push({ file: '.', severity: 'critical', check: 'disk', message: `${mb(d.free)} free, under ${mb(t.criticalFreeBytes)}` });
    else if (d.free < t.minFreeBytes) issues.push({ file: '.', severity: 'warning', check: 'disk', message: `${mb(d.free)} free, under ${mb(t.minFreeBytes)}` });
  }
  const chain = await (options.chain ?? checkChain)(dir);
  // A torn last line is what a crash leaves, not tampering: worth a look, not an alarm.
  for (const p of chain.problems) issues.push({ file: p.file, severity: p.kind === 'torn_tail' || p.kind === 'leftover' ? 'warning' : 'critical', check: 'chain', message: `${p.kind}: ${p.message}` });
  return { dir, issues, maintenance, files, chain, disk: d === undefined ? undefined : { free_bytes: d.free, total_bytes: d.total } };
}
