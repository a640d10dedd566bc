import { hasLogging, type CallSite } from '../facts.js';
import { isCriticalFile, type Project } from '../project.js';
import type { Finding, Rule } from './rule.js';

/**
 * A module of a critical app that does work (awaits, try/throw, timers, a server) and logs
 * nothing: when it fails, nobody can tell why. Pure helpers (types, constants, arithmetic)
 * do no such work and are left alone; an entry point already reported by no-file-log is too.
 *
 * A module that decides (a risk check: a limit compared, a branch taken) is reported even
 * when it does no I/O, the Drift summary's `risk_manager.py` ("no logging import found"):
 * a refusal nobody logged cannot be explained afterwards. Such a module may stay pure when
 * every place that calls its decisions logs in the calling function; only a call with no log
 * around it leaves the decision unrecorded.
 */
export const silentModule: Rule = {
  id: 'silent-module',
  recommendation: 'Log the decisions and failures of every working module of a critical app (risk checks above all) through the app\'s logger.',
  check(project: Project): Finding[] {
    const entries = new Set(project.apps.map((a) => a.entry));
    const out: Finding[] = [];
    for (const [path, f] of project.files) {
      if (entries.has(path) || hasLogging(f.facts) || !isCriticalFile(project, path)) continue;
      if (f.facts.doesWork) {
        out.push({ file: path, line: 1, rule: this.id, severity: 'critical', message: 'module of a critical app does work but has no logging' });
        continue;
      }
      if (f.facts.decisions.length === 0) continue;
      // The callers: every other file of the critical apps that reach this one.
      const callers = new Set(project.apps.filter((a) => a.classification === 'critical' && a.modules.includes(path)).flatMap((a) => a.modules));
      callers.delete(path);
      for (const d of f.facts.decisions) {
        const sites: (CallSite & { file: string })[] = [...callers].flatMap((c) => project.files.get(c)!.facts.calls.filter((s) => s.name === d.name).map((s) => ({ ...s, file: c })));
        const silent = sites.find((s) => !s.logged);
        if (silent === undefined) continue;
        out.push({
          file: path, line: d.line, rule: this.id, severity: 'critical',
          message: `${d.name}() decides (a limit compared) but the module has no logging, nor does its caller at ${silent.file}:${silent.line}: the decision leaves no record`,
        });
        break;
      }
    }
    return out;
  },
};
