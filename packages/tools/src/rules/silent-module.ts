import { hasLogging } from '../facts.js';
import { isCriticalFile, type Project } from '../project.js';
import type { Finding, Rule } from './rule.js';

/**
 * A module of a critical app that does work (awaits, try/throw, timers, a server) and logs
 * nothing: when it fails, nobody can tell why. Pure helpers (types, constants, arithmetic)
 * do no such work and are left alone; an entry point already reported by no-file-log is too.
 */
export const silentModule: Rule = {
  id: 'silent-module',
  recommendation: 'Log the decisions and failures of every working module of a critical app (risk checks above all) through the app\'s logger.',
  check(project: Project): Finding[] {
    const entries = new Set(project.apps.map((a) => a.entry));
    const out: Finding[] = [];
    for (const [path, f] of project.files) {
      if (entries.has(path) || !f.facts.doesWork || hasLogging(f.facts) || !isCriticalFile(project, path)) continue;
      out.push({ file: path, line: 1, rule: this.id, severity: 'critical', message: 'module of a critical app does work but has no logging' });
    }
    return out;
  },
};
