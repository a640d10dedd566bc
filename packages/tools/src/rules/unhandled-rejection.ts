import type { Project } from '../project.js';
import type { Finding, Rule } from './rule.js';

const EVENTS = ['unhandledRejection', 'uncaughtException'];

/** A critical process that dies of an unhandled error must say so in its log, not only on stderr. */
export const unhandledRejection: Rule = {
  id: 'unhandled-rejection',
  recommendation: "In each critical entry point, log process 'unhandledRejection' and 'uncaughtException' at CRITICAL before exiting.",
  check(project: Project): Finding[] {
    const out: Finding[] = [];
    for (const app of project.apps) {
      if (app.classification !== 'critical') continue;
      const handled = new Set(app.modules.flatMap((m) => [...project.files.get(m)!.facts.processHandlers]));
      const missing = EVENTS.filter((e) => !handled.has(e) && !(e === 'uncaughtException' && handled.has('uncaughtExceptionMonitor')));
      if (missing.length === 0) continue;
      out.push({ file: app.entry, line: app.line, rule: this.id, severity: 'warning', message: `critical app ${app.name} does not handle ${missing.join(' or ')}` });
    }
    return out;
  },
};
