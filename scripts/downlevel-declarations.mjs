#!/usr/bin/env node
// Rewrites the emitted declarations (dist/**/*.d.ts) of the packages a bot installs so that
// older TypeScript projects can read them: a bot such as flashbots/simple-arbitrage compiles
// with TypeScript 4.1 and @types/node 14 (CommonJS). Two things TypeScript 5 emits stop them:
//
// - `import { type A, B } from './x.js'` (inline type modifiers, TypeScript 4.5+) is a syntax
//   error before 4.5: it becomes `import type { A } from './x.js'` + `import { B } from './x.js'`.
// - `'node:crypto'`: @types/node before 14.18/16 declares only `crypto`. Every built-in with a
//   bare name is declared under it by every @types/node version, the new ones included, so
//   the bare name is right for all of them. (`node:test` and other prefix-only modules stay.)
//
// Both rewrites mean the same to TypeScript 5, so the workspace's own build reads the
// rewritten files as it read the emitted ones; the JavaScript is untouched (Node resolves
// `node:` itself). Run after `tsc -b` (the root build does); files already rewritten are
// left as they are. Usage: node scripts/downlevel-declarations.mjs <dist dir>...
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import ts from 'typescript';

const BARE = new Set(builtinModules.filter((m) => !m.startsWith('node:')));

/** The bare name of a `node:` specifier when the built-in has one. */
const bare = (spec) => (spec.startsWith('node:') && BARE.has(spec.slice(5)) ? spec.slice(5) : undefined);

const specifierText = (el) => (el.propertyName === undefined ? el.name.text : `${el.propertyName.text} as ${el.name.text}`);

/** The rewritten text of one declaration file (the same text when nothing needs a change). */
export function downlevel(fileName, text) {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edits = [];
  const quote = (s) => `'${s}'`;
  const specOf = (n) => (n.moduleSpecifier !== undefined && ts.isStringLiteral(n.moduleSpecifier) ? n.moduleSpecifier.text : undefined);
  const from = (spec) => (spec === undefined ? '' : ` from ${quote(bare(spec) ?? spec)}`);
  const visit = (n) => {
    if (ts.isImportDeclaration(n) && n.importClause !== undefined && !n.importClause.isTypeOnly && n.importClause.namedBindings !== undefined && ts.isNamedImports(n.importClause.namedBindings)) {
      const els = n.importClause.namedBindings.elements;
      if (els.some((e) => e.isTypeOnly)) {
        const types = els.filter((e) => e.isTypeOnly).map(specifierText);
        const values = els.filter((e) => !e.isTypeOnly).map(specifierText);
        const def = n.importClause.name?.text;
        const parts = [`import type { ${types.join(', ')} }${from(specOf(n))};`];
        if (def !== undefined || values.length > 0) parts.push(`import ${[def, values.length > 0 ? `{ ${values.join(', ')} }` : undefined].filter(Boolean).join(', ')}${from(specOf(n))};`);
        edits.push({ start: n.getStart(sf), end: n.getEnd(), text: parts.join('\n') });
        return;
      }
    }
    if (ts.isExportDeclaration(n) && !n.isTypeOnly && n.exportClause !== undefined && ts.isNamedExports(n.exportClause) && n.exportClause.elements.some((e) => e.isTypeOnly)) {
      const els = n.exportClause.elements;
      const types = els.filter((e) => e.isTypeOnly).map(specifierText);
      const values = els.filter((e) => !e.isTypeOnly).map(specifierText);
      const parts = [`export type { ${types.join(', ')} }${from(specOf(n))};`];
      if (values.length > 0) parts.push(`export { ${values.join(', ')} }${from(specOf(n))};`);
      edits.push({ start: n.getStart(sf), end: n.getEnd(), text: parts.join('\n') });
      return;
    }
    // `from 'node:x'`, `import('node:x')` in a type, `declare module 'node:x'`.
    if (ts.isStringLiteral(n) && bare(n.text) !== undefined && n.parent !== undefined &&
      (ts.isImportDeclaration(n.parent) || ts.isExportDeclaration(n.parent) || ts.isLiteralTypeNode(n.parent) || ts.isExternalModuleReference(n.parent))) {
      edits.push({ start: n.getStart(sf), end: n.getEnd(), text: quote(bare(n.text)) });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new Error(`downlevel-declarations: ${dir} cannot be read (${e.message}); build first`);
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile() && /\.d\.[cm]?ts$/.test(e.name)) out.push(p);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let changed = 0;
  for (const dir of process.argv.slice(2)) {
    for (const file of walk(dir, [])) {
      const text = readFileSync(file, 'utf8');
      const next = downlevel(file, text);
      if (next !== text) {
        writeFileSync(file, next);
        changed++;
      }
    }
  }
  process.stdout.write(`downlevel-declarations: ${changed} file(s) rewritten\n`);
}
