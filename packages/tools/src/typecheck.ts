import { dirname, resolve } from 'node:path';
import ts from 'typescript';

export interface TypeError {
  file: string;
  line: number;
  code: number;
  message: string;
}

export interface TypeCheckResult {
  /** Errors after the change that were not there before. */
  added: TypeError[];
  before: number;
  after: number;
}

function diagnostics(program: ts.Program, root: string): TypeError[] {
  return ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error).map((d) => ({
    file: d.file === undefined ? '' : ts.sys.resolvePath(d.file.fileName).slice(root.length + 1),
    line: d.file === undefined || d.start === undefined ? 0 : d.file.getLineAndCharacterOfPosition(d.start).line + 1,
    code: d.code,
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  }));
}

/**
 * Type-checks the project of `tsconfig` as it is and with `changes` (absolute path → new text)
 * laid over it in memory, and returns the errors the changes add. Nothing is written: migrate
 * checks before it touches a file. Line numbers move with an edit, so errors are matched by
 * file, code and message, as a multiset (one more of the same error is still an added one).
 */
export function typeCheckChange(tsconfig: string, changes: ReadonlyMap<string, string>): TypeCheckResult {
  const root = dirname(resolve(tsconfig));
  const parsed = ts.getParsedCommandLineOfConfigFile(tsconfig, { noEmit: true }, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (parsed === undefined) return { added: [{ file: tsconfig, line: 0, code: 0, message: 'tsconfig.json cannot be read' }], before: 0, after: 0 };
  const options = { ...parsed.options, noEmit: true };
  const plain = ts.createCompilerHost(options, true);
  const beforeProgram = ts.createProgram({ rootNames: parsed.fileNames, options, host: plain, projectReferences: parsed.projectReferences });
  const before = diagnostics(beforeProgram, root);

  const overlay = ts.createCompilerHost(options, true);
  const changed = new Map([...changes].map(([p, t]) => [ts.sys.resolvePath(p), t]));
  const getSourceFile = overlay.getSourceFile.bind(overlay);
  overlay.readFile = (f) => changed.get(ts.sys.resolvePath(f)) ?? ts.sys.readFile(f);
  overlay.getSourceFile = (f, lang, onError, create) => {
    const text = changed.get(ts.sys.resolvePath(f));
    if (text !== undefined) return ts.createSourceFile(f, text, lang, true);
    return beforeProgram.getSourceFile(f) ?? getSourceFile(f, lang, onError, create);
  };
  // The old program lends its unchanged files (lib.d.ts, @types/node) to the new one.
  const afterProgram = ts.createProgram({ rootNames: parsed.fileNames, options, host: overlay, oldProgram: beforeProgram, projectReferences: parsed.projectReferences });
  const after = diagnostics(afterProgram, root);

  const key = (e: TypeError): string => `${e.file}\u0000${e.code}\u0000${e.message}`;
  const seen = new Map<string, number>();
  for (const e of before) seen.set(key(e), (seen.get(key(e)) ?? 0) + 1);
  const added: TypeError[] = [];
  for (const e of after) {
    const left = seen.get(key(e)) ?? 0;
    if (left > 0) seen.set(key(e), left - 1);
    else added.push(e);
  }
  return { added, before: before.length, after: after.length };
}
