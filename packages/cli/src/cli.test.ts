// The command as a user meets it in the first minutes: the bin npm links, --version, help,
// mistakes, pipes, an empty directory.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { COMMANDS as ALL } from './main.js';

const PKG_DIR = fileURLToPath(new URL('../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string>; files: string[] };
// The bin npm links, run as npx runs it.
const BIN = join(PKG_DIR, pkg.bin.daybook!);
const daybook = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

const scratch = mkdtempSync(join(tmpdir(), 'daybook-cli-first-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('the bin', () => {
  it('is a file committed to the repository, not a build output: npm ci links it before the first build', () => {
    const bin = pkg.bin.daybook!;
    assert.doesNotMatch(bin, /(^|\/)dist\//, 'npm skips linking a bin whose file does not exist when it installs');
    const git = spawnSync('git', ['ls-files', '--error-unmatch', bin], { cwd: PKG_DIR, encoding: 'utf8' });
    if (git.error === undefined && !/not a git repository/.test(git.stderr)) assert.equal(git.status, 0, `${bin} is not committed: ${git.stderr}`);
    assert.ok(existsSync(BIN));
    assert.ok(pkg.files.includes(bin.replace(/^\.\//, '').split('/')[0]!), 'the bin is in the published files');
    assert.match(readFileSync(BIN, 'utf8'), /^#!\/usr\/bin\/env node\n/);
  });

  it('the package a bot project installs (npm pack) holds the bin, executable, and the built CLI it loads', () => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PKG_DIR, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const files = new Map((JSON.parse(r.stdout) as [{ files: { path: string; mode: number }[] }])[0].files.map((f) => [f.path, f.mode]));
    assert.equal(files.get('bin/daybook.js'), 0o755);
    assert.ok(files.has('dist/bin.js') && files.has('dist/main.js'));
    assert.ok(![...files.keys()].some((f) => f.includes('.test.')), 'no tests in the package');
  });

  it('says what to do when the CLI is not built yet', () => {
    const copy = join(scratch, 'unbuilt');
    mkdirSync(join(copy, 'bin'), { recursive: true });
    copyFileSync(BIN, join(copy, 'bin', 'daybook.js'));
    writeFileSync(join(copy, 'package.json'), JSON.stringify({ type: 'module' }));
    const r = spawnSync(process.execPath, [join(copy, 'bin', 'daybook.js'), '--version'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /not built yet.*npm run build/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('--version and -v print the package version', () => {
    for (const flag of ['--version', '-v']) {
      const r = daybook(flag);
      assert.equal(r.status, 0);
      assert.equal(r.stdout, `${pkg.version}\n`);
    }
  });
});

describe('help and mistakes', () => {
  const COMMANDS = ['demo', 'report', 'trades', 'export', 'query', 'audit', 'migrate', 'monitor', 'verify', 'serve', 'tail', 'ship', 'alert'];

  it('every command has generated help listing its options; daybook help CMD is the same', async () => {
    const top = daybook('--help');
    assert.equal(top.status, 0);
    for (const cmd of COMMANDS) assert.match(top.stdout, new RegExp(`^  ${cmd} `, 'm'));
    // Each command's definition, as the bin builds it (in this process: ten spawns would cost seconds).
    assert.deepEqual(Object.keys(ALL).sort(), [...COMMANDS].sort());
    for (const cmd of COMMANDS) {
      const help = (await ALL[cmd]!.load()).command().helpInformation();
      assert.match(help, new RegExp(`^Usage: daybook ${cmd} `), cmd);
      assert.match(help, /\nOptions:\n(.*\n)*  -h, --help /, cmd);
      assert.doesNotMatch(help, /\.\.\/|shared\//, `${cmd}: no path outside the repository`);
    }
    const report = daybook('report', '--help');
    assert.equal(report.status, 0);
    assert.match(report.stdout, /^Usage: daybook report [^]*\nExit codes: /);
    assert.equal(daybook('help', 'report').stdout, report.stdout);
    assert.doesNotMatch((await ALL.demo!.load()).command().helpInformation(), /--worker|--broker/, 'internal options stay hidden');
  });

  it('a mistyped command or option: exit 2, the nearest one suggested', () => {
    const cmd = daybook('reprot', 'trading');
    assert.equal(cmd.status, 2);
    assert.match(cmd.stderr, /daybook: unknown command 'reprot'\n\(Did you mean report\?\)/);
    // Names of Object.prototype's properties are unknown commands, not a crash.
    for (const name of ['toString', 'constructor', '__proto__']) {
      for (const argv of [[name], ['help', name]]) {
        const r = daybook(...argv);
        assert.equal(r.status, 2, `${argv.join(' ')}: ${r.stderr}`);
        assert.doesNotMatch(r.stderr, /TypeError|    at /);
      }
    }
    const opt = daybook('report', '--jsn');
    assert.equal(opt.status, 2);
    assert.match(opt.stderr, /daybook report: unknown option '--jsn'\n\(Did you mean --json\?\)/);
    const tail = daybook('tail', '--no-folow');
    assert.equal(tail.status, 2);
    assert.match(tail.stderr, /Did you mean --no-follow\?/);
    const missing = daybook('export', '--out');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /daybook export: option '-o, --out <file>' argument missing/);
    assert.equal(daybook('tail', 'extra').status, 2, 'tail takes no positional');
    assert.equal(daybook().status, 2);
  });
});
