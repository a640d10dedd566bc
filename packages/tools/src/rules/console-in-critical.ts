import { isCriticalFile, type Project } from '../project.js';
import type { Finding, Rule } from './rule.js';

export const consoleInCritical: Rule = {
  id: 'console-in-critical',
  recommendation: 'Replace console.* in critical code with the app logger, so the lines reach its file (`daybook migrate --dry-run` shows the change).',
  check(project: Project): Finding[] {
    const out: Finding[] = [];
    for (const [path, f] of project.files) {
      if (!isCriticalFile(project, path)) continue;
      for (const c of f.facts.consoleCalls) {
        out.push({ file: path, line: c.line, rule: this.id, severity: 'warning', message: `console.${c.method} in critical code` });
      }
    }
    return out;
  },
};
