import { isCriticalFile, type Project } from '../project.js';
import type { Finding, Rule } from './rule.js';

export const swallowedCatch: Rule = {
  id: 'swallowed-catch',
  recommendation: 'Log or rethrow every caught error in critical code; a catch that ignores one on purpose should say why in a comment.',
  check(project: Project): Finding[] {
    const out: Finding[] = [];
    for (const [path, f] of project.files) {
      if (!isCriticalFile(project, path)) continue;
      for (const line of f.facts.swallowedCatches) {
        out.push({ file: path, line, rule: this.id, severity: 'warning', message: 'error caught and dropped without logging it' });
      }
    }
    return out;
  },
};
