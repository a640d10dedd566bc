import type { Project } from '../project.js';
import { inCriticalCode, type Finding, type Rule } from './rule.js';

export const swallowedCatch: Rule = {
  id: 'swallowed-catch',
  recommendation: 'Log or rethrow every caught error in critical code; a catch that ignores one on purpose should say why in a comment.',
  check(project: Project): Finding[] {
    return inCriticalCode(project, this.id, 'warning', (f) => f.swallowedCatches.map((line) => ({ line, message: 'error caught and dropped without logging it' })));
  },
};
