import type { Project } from '../project.js';

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
