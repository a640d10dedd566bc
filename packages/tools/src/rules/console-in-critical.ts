import type { Project } from '../project.js';
import { inCriticalCode, type Finding, type Rule } from './rule.js';

export const consoleInCritical: Rule = {
  id: 'console-in-critical',
  recommendation: 'Replace console.* in critical code with the app logger, so the lines reach its file (`daybook migrate --dry-run` shows the change).',
  check(project: Project): Finding[] {
    return inCriticalCode(project, this.id, 'warning', (f) => f.consoleCalls.map((c) => ({ line: c.line, message: `console.${c.method} in critical code` })));
  },
};
