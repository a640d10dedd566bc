import type { Project } from '../project.js';
import type { Finding, Rule } from './rule.js';

export const syntaxError: Rule = {
  id: 'syntax-error',
  recommendation: 'Fix files that do not parse: the audit cannot see their logging, and migrate leaves them alone.',
  check(project: Project): Finding[] {
    return [...project.files.values()].flatMap((f) => {
      const first = f.facts.syntaxErrors[0];
      return first === undefined ? [] : [{ file: f.path, line: first.line, rule: this.id, severity: 'warning' as const, message: `does not parse: ${first.message}` }];
    });
  },
};
