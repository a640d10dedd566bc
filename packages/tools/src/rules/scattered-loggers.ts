import type { Project } from '../project.js';
import type { Finding, Rule } from './rule.js';

// Built per call site, so several of them in one app drift apart (levels, destinations,
// formats). daybook's setup functions are the central setup, keyed by app name, and a web
// framework's logger comes with its server instance: neither counts.
const SCATTERABLE = new Set(['winston', 'pino', 'bunyan', 'log4js']);

/** An app whose modules build loggers in more than one file. Separate apps may each have their own. */
export const scatteredLoggers: Rule = {
  id: 'scattered-loggers',
  recommendation: 'Create the logger once, in one module, and import it everywhere else.',
  check(project: Project): Finding[] {
    const out = new Map<string, Finding>();
    for (const app of project.apps) {
      const sites = app.modules.flatMap((m) => project.files.get(m)!.facts.creations
        .filter((c) => SCATTERABLE.has(c.library)).map((c) => ({ file: m, line: c.line, library: c.library })));
      const files = [...new Set(sites.map((s) => s.file))];
      if (files.length < 2) continue;
      for (const s of sites) {
        out.set(`${s.file}:${s.line}`, {
          file: s.file, line: s.line, rule: this.id, severity: 'warning',
          message: `${s.library} logger created here and in ${files.filter((f) => f !== s.file).join(', ')} (app ${app.name})`,
        });
      }
    }
    return [...out.values()];
  },
};
