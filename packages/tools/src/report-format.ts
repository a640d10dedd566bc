import type { AuditReport } from './audit.js';
import type { MonitorReport } from './monitor.js';

/** A plain-text table: columns padded to their widest cell, the last one left ragged. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function formatAuditReport(r: AuditReport): string {
  const out: string[] = [];
  out.push(`Applications (${r.apps.length}):\n` + table(['app', 'class', 'entry'], r.apps.map((a) => [a.name, a.classification, a.entry])));
  const findings = [
    ...r.critical_issues.map((f) => ['CRITICAL', `${f.file}:${f.line}`, f.rule, f.message]),
    ...r.warnings.map((f) => ['warning', `${f.file}:${f.line}`, f.rule, f.message]),
  ];
  if (findings.length > 0) out.push(table(['severity', 'where', 'rule', 'finding'], findings));
  if (r.recommendations.length > 0) out.push('Recommendations:\n' + r.recommendations.map((x) => `  - ${x}\n`).join(''));
  out.push(`${plural(r.files, 'file')} read: ${plural(r.critical_issues.length, 'critical issue')}, ${plural(r.warnings.length, 'warning')}.\n`);
  return out.join('\n');
}

const MiB = 1024 * 1024;
export const formatBytes = (n: number): string =>
  n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;

export function formatMonitorReport(r: MonitorReport, dryRun: boolean): string {
  const out: string[] = [];
  if (r.files.length > 0) {
    out.push(table(['log', 'size', 'backups', 'age', 'errors/h', 'warnings/h'], r.files.map((f) => [
      f.file, formatBytes(f.bytes), String(f.backups), `${Math.round(f.age_minutes)} min`,
      // A view of audit.log: its lines are counted there, not shown as none.
      ...(f.counted_in === undefined ? [String(f.errors_last_hour), String(f.warnings_last_hour)] : [`in ${f.counted_in}`, `in ${f.counted_in}`]),
    ])));
  }
  if (r.issues.length > 0) out.push(table(['severity', 'check', 'file', 'issue'], r.issues.map((i) => [i.severity === 'critical' ? 'CRITICAL' : 'warning', i.check, i.file, i.message])));
  out.push(`chain: ${r.chain.status}${r.chain.detail === undefined ? '' : ` (${r.chain.detail})`}\n`);
  if (r.disk !== undefined) out.push(`disk: ${formatBytes(r.disk.free_bytes)} free of ${formatBytes(r.disk.total_bytes)}\n`);
  out.push(formatMaintenance(r.maintenance, dryRun));
  out.push(`${plural(r.issues.length, 'issue')} (${r.issues.filter((i) => i.severity === 'critical').length} critical).\n`);
  return out.join('\n');
}

export function formatMaintenance(actions: MonitorReport['maintenance'], dryRun: boolean): string {
  if (actions.length === 0) return 'maintenance: nothing to do\n';
  const freed = actions.reduce((s, a) => s + a.bytes, 0);
  const verb = (a: string): string => (dryRun ? `would ${a}` : a === 'compress' ? 'compressed' : 'deleted');
  return table(['action', 'file', 'freed', 'why'], actions.map((a) => [verb(a.action), a.file, formatBytes(a.bytes), a.reason])) +
    `${dryRun ? 'would free' : 'freed'} ${formatBytes(freed)}\n`;
}
