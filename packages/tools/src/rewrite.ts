import ts from 'typescript';
import { factsOf, parseSource, syntaxErrors, type LoggerCreation } from './facts.js';

export const CORE_MODULE = '@daybook/core';

/** console method → app logger method. Arguments stay as they are: both format like util.format. */
export const CONSOLE_TO_LOGGER: Readonly<Record<string, string>> = { log: 'info', info: 'info', warn: 'warning', error: 'error', debug: 'debug' };

/** The logger method for console.`method`, if it has one (own entries: `console.hasOwnProperty` has none). */
const loggerMethodOf = (method: string): string | undefined => (Object.hasOwn(CONSOLE_TO_LOGGER, method) ? CONSOLE_TO_LOGGER[method] : undefined);

export interface RewriteOptions {
  /** The name passed to the setup call. */
  appName: string;
  critical: boolean;
  /** ES module syntax (import) rather than CommonJS (require). */
  esm: boolean;
  /** Also replace winston/pino/bunyan loggers that have no file destination. */
  replaceLoggers?: boolean;
}

export interface RewriteResult {
  text: string;
  /** console.* calls rewritten. */
  calls: number;
  /** Third-party logger setups replaced. */
  replaced: number;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

function applyEdits(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start || b.end - a.end)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

function identifiersOf(sf: ts.SourceFile): Set<string> {
  const out = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n)) out.add(n.text);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** A top-level `const x = setupCriticalLogging(...)` (or the utility one) already in the file. */
function existingSetup(sf: ts.SourceFile, creations: readonly LoggerCreation[], setupName: string): string | undefined {
  for (const c of creations) {
    if (c.library !== 'daybook' || c.variable === undefined) continue;
    const decl = c.node.parent;
    const stmt = decl.parent?.parent;
    const callee = c.node.expression.getText(sf);
    if (stmt !== undefined && ts.isVariableStatement(stmt) && stmt.parent === sf && callee.endsWith(setupName)) return c.variable;
  }
  return undefined;
}

function isRequireStatement(s: ts.Statement): boolean {
  return ts.isVariableStatement(s) && s.declarationList.declarations.some((d) => {
    let init = d.initializer;
    while (init !== undefined && ts.isPropertyAccessExpression(init)) init = init.expression;
    return init !== undefined && ts.isCallExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === 'require';
  });
}

/** The module specifier of a `require('x')` statement, if it is one. */
function requiredModule(s: ts.Statement): string | undefined {
  if (!ts.isVariableStatement(s)) return undefined;
  const init = s.declarationList.declarations[0]?.initializer;
  if (init === undefined || !ts.isCallExpression(init) || !ts.isIdentifier(init.expression) || init.expression.text !== 'require') return undefined;
  const arg = init.arguments[0];
  return arg !== undefined && ts.isStringLiteralLike(arg) ? arg.text : undefined;
}

/** How the file writes: line ending, quote and semicolons, so inserted lines look like their neighbours. */
function styleOf(sf: ts.SourceFile): { eol: string; quote: string; semi: string } {
  const eol = sf.text.includes('\r\n') ? '\r\n' : '\n';
  const firstString = sf.statements.map((s) => (ts.isImportDeclaration(s) ? s.moduleSpecifier.getText(sf) : undefined)).find((x) => x !== undefined);
  const quote = firstString?.startsWith('"') ? '"' : "'";
  const simple = sf.statements.filter((s) => ts.isImportDeclaration(s) || ts.isVariableStatement(s) || ts.isExpressionStatement(s));
  const semi = simple.length > 0 && simple.every((s) => !s.getText(sf).endsWith(';')) ? '' : ';';
  return { eol, quote, semi };
}

/**
 * Rewrites one file's console.* calls into calls to the central logger, through the syntax
 * tree: only the callee of each call changes (arguments, comments and formatting stay), the
 * import and the setup are added once after the top-level imports. A file with nothing to do
 * comes back unchanged, which is what makes a second migration a no-op.
 */
export function rewriteSource(path: string, text: string, options: RewriteOptions): RewriteResult {
  const sf = parseSource(path, text);
  if (syntaxErrors(sf).length > 0) return { text, calls: 0, replaced: 0 };
  const facts = factsOf(sf);
  const names = identifiersOf(sf);
  // A local `console` is someone's own object, not the global one.
  const shadowed = hasDeclarationNamed(sf, 'console');
  const calls = shadowed ? [] : facts.consoleCalls.filter((c) => loggerMethodOf(c.method) !== undefined && ts.isPropertyAccessExpression(c.node.expression));
  const setupName = options.critical ? 'setupCriticalLogging' : 'setupUtilityLogging';
  const replaceable = options.replaceLoggers === true
    ? facts.creations.filter((c) => c.library !== 'daybook' && c.library !== 'daybook-audit' && c.library !== 'fastify' && !c.fileDestination && c.variable !== undefined)
    : [];
  if (calls.length === 0 && replaceable.length === 0) return { text, calls: 0, replaced: 0 };

  const { eol, quote, semi } = styleOf(sf);
  const edits: Edit[] = [];
  const setupCall = `${setupName}(${quote}${options.appName.replace(/[\\'"]/g, (c) => '\\' + c)}${quote})`;

  let loggerVar = existingSetup(sf, facts.creations, setupName);
  for (const c of replaceable) {
    edits.push({ start: c.node.getStart(sf), end: c.node.getEnd(), text: setupCall });
    loggerVar ??= c.variable;
  }
  const needSetup = loggerVar === undefined;
  if (loggerVar === undefined) {
    loggerVar = ['logger', 'appLogger', 'daybookLogger'].find((n) => !names.has(n)) ?? `daybookLogger${names.size}`;
  }
  for (const c of calls) {
    const callee = c.node.expression as ts.PropertyAccessExpression;
    edits.push({ start: callee.getStart(sf), end: callee.getEnd(), text: `${loggerVar}.${loggerMethodOf(c.method)!}` });
  }

  // The setup function: an existing import from core, or a new one.
  const coreImport = sf.statements.find((s): s is ts.ImportDeclaration =>
    ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier) && s.moduleSpecifier.text === CORE_MODULE && s.importClause !== undefined && !s.importClause.isTypeOnly);
  const coreRequire = sf.statements.find((s) => requiredModule(s) === CORE_MODULE) as ts.VariableStatement | undefined;
  let setupRef = setupName;
  let newImport = '';
  const nb = coreImport?.importClause?.namedBindings;
  const needsImport = needSetup || replaceable.length > 0;
  if (needsImport) {
    if (nb !== undefined && ts.isNamespaceImport(nb)) {
      setupRef = `${nb.name.text}.${setupName}`;
    } else if (nb !== undefined && ts.isNamedImports(nb)) {
      const have = nb.elements.find((e) => (e.propertyName ?? e.name).text === setupName && !e.isTypeOnly);
      if (have !== undefined) setupRef = have.name.text;
      else edits.push({ start: nb.elements[nb.elements.length - 1]!.getEnd(), end: nb.elements[nb.elements.length - 1]!.getEnd(), text: `, ${setupName}` });
    } else if (coreRequire !== undefined && ts.isObjectBindingPattern(coreRequire.declarationList.declarations[0]!.name)) {
      const pattern = coreRequire.declarationList.declarations[0]!.name as ts.ObjectBindingPattern;
      const have = pattern.elements.find((e) => (e.propertyName ?? e.name).getText(sf) === setupName);
      if (have !== undefined) setupRef = have.name.getText(sf);
      else if (pattern.elements.length > 0) edits.push({ start: pattern.elements[pattern.elements.length - 1]!.getEnd(), end: pattern.elements[pattern.elements.length - 1]!.getEnd(), text: `, ${setupName}` });
      else newImport = `const { ${setupName} } = require(${quote}${CORE_MODULE}${quote})${semi}`;
    } else if (names.has(setupName)) {
      // The name is taken by something that is not core's: import it under another one.
      setupRef = `daybook${setupName[0]!.toUpperCase()}${setupName.slice(1)}`;
      newImport = options.esm
        ? `import { ${setupName} as ${setupRef} } from ${quote}${CORE_MODULE}${quote}${semi}`
        : `const { ${setupName}: ${setupRef} } = require(${quote}${CORE_MODULE}${quote})${semi}`;
    } else {
      newImport = options.esm
        ? `import { ${setupName} } from ${quote}${CORE_MODULE}${quote}${semi}`
        : `const { ${setupName} } = require(${quote}${CORE_MODULE}${quote})${semi}`;
    }
  }
  if (setupRef !== setupName) {
    for (const e of edits) if (e.text === setupCall) e.text = setupCall.replace(setupName, setupRef);
  }
  const setupLine = needSetup ? `const ${loggerVar} = ${setupCall.replace(setupName, setupRef)}${semi}` : '';

  if (newImport !== '' || setupLine !== '') {
    // After the last top-level import (or leading require), never inside a block: the Python
    // migrator put its setup after an indented import and broke the file.
    const isImportLike = (s: ts.Statement): boolean => ts.isImportDeclaration(s) || ts.isImportEqualsDeclaration(s) || (!options.esm && isRequireStatement(s));
    let anchor: ts.Statement | undefined;
    const isDirective = (s: ts.Statement): boolean => ts.isExpressionStatement(s) && ts.isStringLiteral(s.expression);
    for (const s of sf.statements) {
      if (isImportLike(s)) anchor = s;
      else if (isDirective(s)) continue;
      else if (!options.esm) break; // CommonJS: only the leading requires, before any code runs
    }
    if (anchor !== undefined) {
      const at = anchor.getEnd();
      const parts = [newImport !== '' ? eol + newImport : '', setupLine !== '' ? eol + eol + setupLine : ''];
      edits.push({ start: at, end: at, text: parts.join('') });
    } else {
      // No imports: before the first statement that is not a directive ('use strict'), after its leading comments.
      const first = sf.statements.find((s) => !isDirective(s));
      const directives = sf.statements.filter(isDirective);
      const block = [newImport, setupLine].filter((x) => x !== '').join(eol + eol);
      if (first !== undefined) {
        const at = first.getStart(sf);
        edits.push({ start: at, end: at, text: block + eol + eol });
      } else {
        const at = directives.length > 0 ? directives[directives.length - 1]!.getEnd() : sf.getEnd();
        edits.push({ start: at, end: at, text: eol + block + eol });
      }
    }
  }

  let out = applyEdits(text, edits);
  if (replaceable.length > 0) out = removeUnusedImports(path, out, new Set(replaceable.map((c) => c.library)), eol);
  return { text: out, calls: calls.length, replaced: replaceable.length };
}

function hasDeclarationNamed(sf: ts.SourceFile, name: string): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if ((ts.isVariableDeclaration(n) || ts.isParameter(n) || ts.isFunctionDeclaration(n) || ts.isClassDeclaration(n) || ts.isImportSpecifier(n) || ts.isImportClause(n) || ts.isNamespaceImport(n)) &&
      n.name !== undefined && ts.isIdentifier(n.name) && n.name.text === name) found = true;
    else ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

const LIBRARY_MODULE: Readonly<Record<string, string>> = { winston: 'winston', pino: 'pino', bunyan: 'bunyan', log4js: 'log4js' };

/** Drops the import (or require) of a replaced library once nothing in the file uses it any more. */
function removeUnusedImports(path: string, text: string, libraries: ReadonlySet<string>, eol: string): string {
  const sf = parseSource(path, text);
  const modules = new Set([...libraries].map((l) => LIBRARY_MODULE[l]).filter((m): m is string => m !== undefined));
  const edits: Edit[] = [];
  for (const s of sf.statements) {
    let bound: string[] = [];
    if (ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier) && modules.has(s.moduleSpecifier.text)) {
      const c = s.importClause;
      if (c === undefined) continue;
      if (c.name !== undefined) bound.push(c.name.text);
      const nb = c.namedBindings;
      if (nb !== undefined && ts.isNamespaceImport(nb)) bound.push(nb.name.text);
      if (nb !== undefined && ts.isNamedImports(nb)) bound = bound.concat(nb.elements.map((e) => e.name.text));
    } else {
      const m = requiredModule(s);
      if (m === undefined || !modules.has(m)) continue;
      const name = (s as ts.VariableStatement).declarationList.declarations[0]!.name;
      if (ts.isIdentifier(name)) bound.push(name.text);
      else if (ts.isObjectBindingPattern(name)) bound = bound.concat(name.elements.map((e) => e.name.getText(sf)));
    }
    const used = (n: ts.Node): boolean => {
      if (n === s) return false;
      if (ts.isIdentifier(n) && bound.includes(n.text)) return true;
      return ts.forEachChild(n, used) ?? false;
    };
    if (ts.forEachChild(sf, used) === true) continue;
    let end = s.getEnd();
    if (text.startsWith(eol, end)) end += eol.length;
    edits.push({ start: s.getStart(sf), end, text: '' });
  }
  return applyEdits(text, edits);
}
