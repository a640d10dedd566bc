// The repository's documents must stand on their own: a clone (or the npm package) has no
// folder beside it, so a link that leaves the repository is broken for every reader.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SKIP = new Set(['node_modules', 'dist', '.git', 'logs']);

function files(dir: string, ext: RegExp, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name) || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, ext, out);
    else if (ext.test(name)) out.push(p);
  }
  return out;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string): string => heading.trim().toLowerCase().replace(/`/g, '').replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');

const anchors = (markdown: string): Set<string> => {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of markdown.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
};

/** Inline links and images `[text](target)`, outside code blocks and code spans. */
export function links(markdown: string): string[] {
  const text = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '``');
  return [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
}

test('no Markdown link leaves the repository, and every relative link (and its #anchor) resolves', () => {
  const problems: string[] = [];
  const docs = files(ROOT, /\.md$/);
  assert.ok(docs.some((f) => relative(ROOT, f) === 'docs/metrics.md'), 'the repository has its own docs/metrics.md');
  for (const file of docs) {
    const md = readFileSync(file, 'utf8');
    const where = relative(ROOT, file);
    for (const target of links(md)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const abs = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
      if (relative(ROOT, abs).startsWith('..')) {
        problems.push(`${where}: ${target} leaves the repository`);
        continue;
      }
      if (!existsSync(abs)) {
        problems.push(`${where}: ${target} does not exist`);
        continue;
      }
      if (anchor !== undefined && anchor !== '' && abs.endsWith('.md') && !anchors(readFileSync(abs, 'utf8')).has(anchor)) problems.push(`${where}: ${target} names no heading`);
    }
  }
  assert.deepEqual(problems, []);
});

test('no document, source comment, API description or help text points at a folder beside the repository', () => {
  const offenders = files(ROOT, /\.(md|ts|js|mjs|json|html|yaml|yml)$/)
    .filter((f) => !f.endsWith('package-lock.json') && !f.endsWith('docs-links.test.ts'))
    .filter((f) => /\.\.\/shared\/|\bshared\/docs\/|\.\.\/seeds\//.test(readFileSync(f, 'utf8')))
    .map((f) => relative(ROOT, f));
  assert.deepEqual(offenders, []);
});

test('the link finder sees links and skips code', () => {
  assert.deepEqual(links('see [a](docs/a.md#x) and ![img](p.png)\n`[no](skip.md)`\n```\n[no](skip.md)\n```\n[web](https://example.com)'), ['docs/a.md#x', 'p.png', 'https://example.com']);
  assert.equal(slug('How daybook compares'), 'how-daybook-compares');
  assert.equal(slug('A five-minute tour: `npm start`'), 'a-five-minute-tour-npm-start');
});
