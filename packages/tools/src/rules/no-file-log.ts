import type { App, Project } from '../project.js';
import type { Finding, Rule } from './rule.js';

/**
 * The files whose logging is the app's own: its entry and the modules no other app reaches.
 * A shared component (a Drift client with its own `drift-client` logger) logs for itself, so
 * its file logger does not make the app's own console output durable.
 */
function ownFiles(project: Project, app: App): string[] {
  return app.modules.filter((m) => m === app.entry || !project.apps.some((o) => o !== app && o.modules.includes(m)));
}

/** A critical app must leave records on disk: console output is gone when the terminal is. */
export const noFileLog: Rule = {
  id: 'no-file-log',
  recommendation: "Give every critical app a file log: `const logger = setupCriticalLogging('<app>')` from @daybook/core (`daybook migrate` does it).",
  check(project: Project): Finding[] {
    const out: Finding[] = [];
    for (const app of project.apps) {
      if (app.classification !== 'critical') continue;
      const own = new Set(ownFiles(project, app));
      // The app's loggers: made in its own files, exported for it by a shared module, or named after it.
      const creations = app.modules.flatMap((m) => project.files.get(m)!.facts.creations
        .filter((c) => own.has(m) || c.exported || c.appName === app.name)
        .map((c) => ({ file: m, c })));
      if (creations.some(({ c }) => c.fileDestination)) continue;
      const files = [...own].map((m) => project.files.get(m)!);
      const at = (file: string, line: number, message: string): void => {
        out.push({ file, line, rule: this.id, severity: 'critical', message });
      };
      const first = creations[0];
      if (first !== undefined) {
        at(first.file, first.c.line, `critical app ${app.name} logs through ${first.c.library} with no file destination`);
      } else if (files.some((f) => f.facts.consoleCalls.length > 0)) {
        at(app.entry, app.line, `critical app ${app.name} logs only to the console`);
      } else if (files.some((f) => f.facts.logCalls > 0)) {
        at(app.entry, app.line, `critical app ${app.name} sets up no logger of its own: check that the one it is handed writes to a file`);
      } else {
        at(app.entry, app.line, `critical app ${app.name} has no logging at all`);
      }
    }
    return out;
  },
};
