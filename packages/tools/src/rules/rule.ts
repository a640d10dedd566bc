import type { FileFacts } from '../facts.js';
import { isCriticalFile, type Project } from '../project.js';

export type Severity = 'critical' | 'warning';

/** One logging gap, at a file and line (1-based), the file relative to the project root. */
export interface Finding {
  file: string;
  line: number;
  rule: string;
  severity: Severity;
  message: string;
}

/** A rule reads the parsed project and returns its findings; it never touches the disk. */
export interface Rule {
  id: string;
  /** What to do about its findings, once per report. */
  recommendation: string;
  check(project: Project): Finding[];
}

/** Findings for each item `pick` returns from each file that a critical app reaches. */
export function inCriticalCode(project: Project, rule: string, severity: Severity, pick: (facts: FileFacts) => { line: number; message: string }[]): Finding[] {
  const out: Finding[] = [];
  for (const [path, f] of project.files) {
    if (!isCriticalFile(project, path)) continue;
    for (const { line, message } of pick(f.facts)) out.push({ file: path, line, rule, severity, message });
  }
  return out;
}
