import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyApp } from '@daybook/core';
import { writeFileAtomic } from './atomic-write.js';
import { createBackup } from './backup.js';
import { unifiedDiff } from './diff.js';
import { ToolsError } from './errors.js';
import { parseSource, syntaxErrors } from './facts.js';
import { appsOf, loadProject, nameFromPath, type Project } from './project.js';
import { rewriteSource } from './rewrite.js';
import { typeCheckChange, type TypeCheckResult } from './typecheck.js';

export interface MigrateOptions {
  /** Print the diff, write nothing. */
  dryRun?: boolean;
  /** Also replace winston/pino/bunyan setups that have no file destination. */
  replaceLoggers?: boolean;
  /** Type-check before and after where there is a tsconfig.json (default true). */
  typeCheck?: boolean;
  now?: Date;
}

export interface FileChange {
  file: string;
  app: string;
  setup: 'setupCriticalLogging' | 'setupUtilityLogging';
  calls: number;
  replaced: number;
  before: string;
  after: string;
}

export interface MigrateResult {
  changes: FileChange[];
  skipped: { file: string; reason: string }[];
  diff: string;
  typeCheck: 'passed' | 'nothing to check' | 'no tsconfig.json' | 'off';
  /** Where the originals are, after a real run that changed something. */
  backupDir: string | undefined;
}

const TEST_FILE = /(^|\/)(__tests__|__mocks__|tests?)\/|\.(test|spec)\.[cm]?[jt]sx?$/;

/** The app a file logs for: its app when one app owns it, else its own name (a shared component). */
function loggerFor(project: Project, file: string): { app: string; critical: boolean } {
  const apps = appsOf(project, file);
  const own = apps.find((a) => a.entry === file) ?? (apps.length === 1 ? apps[0] : undefined);
  const app = own?.name ?? nameFromPath(file, undefined);
  const critical = apps.length > 0 ? apps.some((a) => a.classification === 'critical') : classifyApp(app, project.config.classification) === 'critical';
  return { app, critical };
}

/** How Node (or the bundler) loads the file: TypeScript and .mjs always take `import`; .js follows package.json "type" unless it already uses import/export. */
function isEsm(project: Project, file: string, hasModuleSyntax: boolean): boolean {
  if (/\.[cm]?tsx?$/.test(file) || file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  return hasModuleSyntax || project.packageOf(file).type === 'module';
}

/** Plans the rewrite of every file, in memory. */
export function planMigration(project: Project, options: Pick<MigrateOptions, 'replaceLoggers'> = {}): Pick<MigrateResult, 'changes' | 'skipped'> {
  const changes: FileChange[] = [];
  const skipped: { file: string; reason: string }[] = [];
  for (const [file, f] of [...project.files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (f.facts.consoleCalls.length === 0 && !(options.replaceLoggers === true && f.facts.creations.some((c) => !c.fileDestination))) continue;
    if (TEST_FILE.test(file)) continue;
    if (f.facts.syntaxErrors.length > 0) {
      skipped.push({ file, reason: `does not parse (line ${f.facts.syntaxErrors[0]!.line}: ${f.facts.syntaxErrors[0]!.message})` });
      continue;
    }
    if (!Buffer.from(f.text, 'utf8').equals(readFileSync(join(project.root, file)))) {
      skipped.push({ file, reason: 'is not UTF-8 text' });
      continue;
    }
    const { app, critical } = loggerFor(project, file);
    const r = rewriteSource(file, f.text, { appName: app, critical, esm: isEsm(project, file, f.facts.esm), replaceLoggers: options.replaceLoggers });
    if (r.text === f.text) continue;
    const errors = syntaxErrors(parseSource(file, r.text));
    if (errors.length > 0) {
      // Never expected; the check is what keeps a rewrite bug from reaching the disk.
      skipped.push({ file, reason: `the rewrite would not parse (line ${errors[0]!.line}: ${errors[0]!.message}); left as it is` });
      continue;
    }
    changes.push({ file, app, setup: critical ? 'setupCriticalLogging' : 'setupUtilityLogging', calls: r.calls, replaced: r.replaced, before: f.text, after: r.text });
  }
  return { changes, skipped };
}

function checkTypes(project: Project, changes: readonly FileChange[]): TypeCheckResult {
  return typeCheckChange(project.tsconfig!, new Map(changes.map((c) => [join(project.root, c.file), c.after])));
}

/**
 * Rewrites console.* into the central logger across a project. Nothing is written unless every
 * rewritten file parses and the project type-checks no worse than before; a real run writes
 * the backup (and its manifest) before it touches any source file.
 */
export function migrate(root: string, options: MigrateOptions = {}): MigrateResult {
  const project = loadProject(root);
  const { changes, skipped } = planMigration(project, options);
  const diff = changes.map((c) => unifiedDiff(c.file, c.before, c.after)).join('');
  let typeCheck: MigrateResult['typeCheck'] = options.typeCheck === false ? 'off' : project.tsconfig === undefined ? 'no tsconfig.json' : 'passed';
  if (typeCheck === 'passed' && changes.length > 0) {
    const r = checkTypes(project, changes);
    if (r.added.length > 0) {
      const list = r.added.slice(0, 10).map((e) => `${e.file}:${e.line} TS${e.code} ${e.message}`).join('; ');
      throw new ToolsError('DAYBOOK_E_TOOLS_TYPECHECK', `migration would add ${r.added.length} type error(s): ${list}`);
    }
  } else if (typeCheck === 'passed') {
    typeCheck = 'nothing to check';
  }
  if (options.dryRun === true || changes.length === 0) return { changes, skipped, diff, typeCheck, backupDir: undefined };
  const backupDir = createBackup(project.root, changes, options.now ?? new Date());
  for (const c of changes) {
    try {
      writeFileAtomic(join(project.root, c.file), c.after);
    } catch (e) {
      throw new ToolsError('DAYBOOK_E_TOOLS_WRITE', `${c.file} could not be written (${(e as Error).message}); originals are in ${backupDir}`, { cause: e });
    }
  }
  return { changes, skipped, diff, typeCheck, backupDir };
}
