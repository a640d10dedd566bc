import { loadProject, type Project } from './project.js';
import { consoleInCritical } from './rules/console-in-critical.js';
import { noFileLog } from './rules/no-file-log.js';
import { scatteredLoggers } from './rules/scattered-loggers.js';
import { silentModule } from './rules/silent-module.js';
import { swallowedCatch } from './rules/swallowed-catch.js';
import { syntaxError } from './rules/syntax-error.js';
import { tradeWithoutAudit } from './rules/trade-without-audit.js';
import { unhandledRejection } from './rules/unhandled-rejection.js';
import type { Finding, Rule } from './rules/rule.js';

export const RULES: readonly Rule[] = [noFileLog, silentModule, consoleInCritical, swallowedCatch, unhandledRejection, scatteredLoggers, tradeWithoutAudit, syntaxError];

export interface AuditIssue {
  file: string;
  line: number;
  rule: string;
  message: string;
}

/** The `daybook audit --json` shape of the contract (and a count of files read). */
export interface AuditReport {
  critical_issues: AuditIssue[];
  warnings: AuditIssue[];
  recommendations: string[];
  apps: { name: string; entry: string; classification: 'critical' | 'utility' }[];
  files: number;
}

const byPlace = (a: Finding, b: Finding): number => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || (a.rule < b.rule ? -1 : 1));
const strip = ({ file, line, rule, message }: Finding): AuditIssue => ({ file, line, rule, message });

export function auditProject(project: Project, rules: readonly Rule[] = RULES): AuditReport {
  const findings = rules.flatMap((r) => r.check(project)).sort(byPlace);
  const fired = new Set(findings.map((f) => f.rule));
  return {
    critical_issues: findings.filter((f) => f.severity === 'critical').map(strip),
    warnings: findings.filter((f) => f.severity === 'warning').map(strip),
    recommendations: rules.filter((r) => fired.has(r.id)).map((r) => r.recommendation),
    apps: project.apps.map((a) => ({ name: a.name, entry: a.entry, classification: a.classification })),
    files: project.files.size,
  };
}

/** Reads the codebase under `root` and finds its logging gaps. */
export function audit(root: string): AuditReport {
  return auditProject(loadProject(root));
}
