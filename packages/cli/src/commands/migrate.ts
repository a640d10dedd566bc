import { relative } from 'node:path';
import { defineCommand, parseCommand, usageError } from '../args.js';

export const command = () => defineCommand('migrate', `[path] [--dry-run] [--replace-loggers] [--json]
       daybook migrate [path] --undo [--backup STAMP] [--force]`,
  `Rewrites console.log/info/warn/error/debug in the codebase at path (default: .) into calls to the
central logger of @daybook/core: setupCriticalLogging('<app>') in critical code,
setupUtilityLogging('<app>') elsewhere, one import and one setup per file after its imports.
Arguments, comments and formatting are kept. Test files are left alone.

Every rewritten file must parse, and where there is a tsconfig.json the project must type-check no
worse than before, or nothing is written. A real run first copies the originals to
backups/logging_migration/<timestamp>/; a second run changes nothing.`,
  'Exit status: 0 done, 1 refused (type errors, edited files) or failed, 2 bad usage.')
  .argument('[path]', 'the codebase (default .)')
  .allowExcessArguments(true)
  .option('--dry-run', 'print the unified diff, change nothing')
  .option('--replace-loggers', 'also replace winston/pino/bunyan loggers that write to no file')
  .option('--json', 'print what was (or would be) changed as JSON')
  .option('--undo', 'restore the files of the latest migration, byte for byte')
  .option('--backup <stamp>', 'with --undo: the migration to undo (a folder name under backups/logging_migration)')
  .option('--force', 'with --undo: restore files edited since the migration too');

export async function run(argv: string[]): Promise<number> {
  const cmd = command();
  const parsed = parseCommand(cmd, argv);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const misuse = positionals.length > 1 ? 'one path at most'
    : values.undo !== true && (values.backup !== undefined || values.force === true) ? '--backup and --force go with --undo'
    : values.undo === true && (values['dry-run'] === true || values['replace-loggers'] === true) ? '--undo takes no --dry-run or --replace-loggers'
    : undefined;
  if (misuse !== undefined) return usageError(cmd, misuse);
  const root = positionals[0] ?? '.';
  const tools = await import('@daybook/tools');
  try {
    if (values.undo === true) {
      const r = tools.undoMigration(root, { stamp: values.backup as string | undefined, force: values.force === true });
      if (values.json === true) process.stdout.write(JSON.stringify({ backup_dir: relative(root, r.backupDir), restored: r.restored }, null, 2) + '\n');
      else process.stdout.write(r.restored.map((f) => `restored ${f}\n`).join('') + `from ${relative(root, r.backupDir)}\n`);
      return 0;
    }
    const dryRun = values['dry-run'] === true;
    const r = tools.migrate(root, { dryRun, replaceLoggers: values['replace-loggers'] === true });
    if (values.json === true) {
      process.stdout.write(JSON.stringify({
        dry_run: dryRun,
        changes: r.changes.map((c) => ({ file: c.file, app: c.app, setup: c.setup, console_calls: c.calls, loggers_replaced: c.replaced })),
        skipped: r.skipped, type_check: r.typeCheck, backup_dir: r.backupDir === undefined ? null : relative(root, r.backupDir),
        ...(dryRun ? { diff: r.diff } : {}),
      }, null, 2) + '\n');
      return 0;
    }
    if (dryRun) process.stdout.write(r.diff);
    const out = dryRun ? process.stderr : process.stdout;
    for (const c of r.changes) out.write(`${dryRun ? 'would rewrite' : 'rewrote'} ${c.file}: ${c.calls} console call(s)${c.replaced > 0 ? `, ${c.replaced} logger(s) replaced` : ''} → ${c.setup}('${c.app}')\n`);
    for (const s of r.skipped) out.write(`skipped ${s.file}: ${s.reason}\n`);
    out.write(r.changes.length === 0 ? 'nothing to migrate\n' : `type check: ${r.typeCheck}${r.backupDir === undefined ? '' : `; originals in ${relative(root, r.backupDir)} (daybook migrate --undo restores them)`}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`daybook migrate: ${(e as Error).message}\n`);
    return e instanceof tools.ToolsError && e.isUsage ? 2 : 1;
  }
}
