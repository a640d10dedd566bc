import type { Project } from '../project.js';
import type { Finding, Rule } from './rule.js';

/**
 * winston/pino/bunyan/log4js loggers built in more than one file drift apart (levels,
 * destinations, formats). daybook's setup functions are exempt: they are the central setup,
 * keyed by app name, so calling them from each component is the intended use.
 */
export const scatteredLoggers: Rule = {
  id: 'scattered-loggers',
  recommendation: 'Create the logger once, in one module, and import it everywhere else.',
  check(project: Project): Finding[] {
    const sites = [...project.files.values()].flatMap((f) =>
      f.facts.creations.filter((c) => c.library !== 'daybook' && c.library !== 'daybook-audit').map((c) => ({ file: f.path, line: c.line, library: c.library })));
    const files = [...new Set(sites.map((s) => s.file))];
    if (files.length < 2) return [];
    return sites.map((s) => ({
      file: s.file, line: s.line, rule: this.id, severity: 'warning' as const,
      message: `${s.library} logger created here and in ${files.filter((f) => f !== s.file).join(', ')}`,
    }));
  },
};
