// The npm package's README (docs/npm.md) as its recipe tests read it: the files it shows
// (`<!-- file: NAME -->` before a fenced block), the commands it says to run (`<!-- run: NAME -->`)
// and its option tables (`<!-- options: NAME -->`); the packed tarball, packed once per change;
// fresh app folders that install it; and the commands run as a user runs them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { ROOT, CLI, LIKE_BROWSER, browser } from './common.mjs';
import { npmFiles } from '../../scripts/builds.mjs';

export const README = path.join(ROOT, 'docs/npm.md');
const BIN = path.join(ROOT, 'node_modules/.bin');
const DIST = path.join(ROOT, 'dist');
const VERSION = /^version\s*=\s*"([^"]+)"/m.exec(fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8'))[1];
export const TARBALL_NAME = `gamjeong-${VERSION}.tgz`;

/** The blocks of the README marked `<!-- KIND: NAME -->`: {NAME: the block's text} (a fenced block, or a table). */
function marked(kind) {
  const md = fs.readFileSync(README, 'utf8');
  const out = {};
  const re = new RegExp(`<!-- ${kind}: (\\S+) -->\\n(\`\`\`[^\\n]*\\n([\\s\\S]*?)\`\`\`|((?:\\|.*\\n)+))`, 'g');
  for (const m of md.matchAll(re)) out[m[1]] = m[3] ?? m[4];
  return out;
}

/** The README's files: {NAME: text}. */
export const docFiles = () => marked('file');

/** The README's command blocks: {NAME: [command lines]} (comments and blank lines dropped). */
export function docRuns() {
  return Object.fromEntries(Object.entries(marked('run')).map(([name, block]) => [name,
    block.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l && !l.startsWith('#'))]));
}

/** The README's option tables: {NAME: [the first column's keys]}. */
export function docOptions() {
  return Object.fromEntries(Object.entries(marked('options')).map(([name, table]) => [name,
    table.trim().split('\n').slice(2).map((row) => /^\|\s*`([^`(]+)/.exec(row)?.[1]).filter(Boolean)]));
}

/**
 * dist/npm/gamjeong-<version>.tgz as scripts/pack.sh makes it from dist/; packed again only when
 * a file it holds (or the script making it) is newer, so the recipe tests share one.
 */
export function packedTarball() {
  const tgz = path.join(DIST, 'npm', TARBALL_NAME);
  const sources = [...npmFiles().map((f) => path.join(DIST, f)), README,
    path.join(ROOT, 'scripts/pack.sh'), path.join(ROOT, 'scripts/npm-package.mjs')];
  const packedAt = fs.existsSync(tgz) ? fs.statSync(tgz).mtimeMs : 0;
  if (sources.some((f) => !fs.existsSync(f) || fs.statSync(f).mtimeMs > packedAt)) {
    execFileSync('bash', [path.join(ROOT, 'scripts/pack.sh')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return tgz;
}

/** A fresh folder holding the tarball under its own name (as a user downloaded it) and `files` ({relative path: text}). */
export function freshApp(prefix, files = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gamjeong-${prefix}-`));
  fs.copyFileSync(packedTarball(), path.join(dir, TARBALL_NAME));
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: `my-${prefix}-app`, private: true, type: 'module' }, null, 2)}\n`);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/** Copies a folder (a model) into the app, as a user puts theirs there. */
export function copyDir(from, to) {
  fs.cpSync(from, to, { recursive: true });
}

/**
 * The environment a README command runs in: `npx TOOL` runs the tool this repository pins
 * (package-lock.json: vite, esbuild, tsc), which a user would have installed; npm stays offline
 * (the tarball has no dependencies).
 */
function shellEnv(extra = {}) {
  return {
    ...process.env, PATH: `${BIN}${path.delimiter}${process.env.PATH}`,
    npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false',
    ...extra,
  };
}
const PRELUDE = 'npx() { "$@"; }; ';

/** Runs one README command line in `cwd` with bash; {stdout, stderr, status} (a failing status does not throw). */
export function runLine(line, cwd, env = {}) {
  try {
    const stdout = execFileSync('bash', ['-c', PRELUDE + line], {
      cwd, env: shellEnv(env), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26,
    });
    return { stdout, stderr: '', status: 0 };
  } catch (e) {
    if (typeof e.status !== 'number') throw e;
    return { stdout: String(e.stdout), stderr: String(e.stderr), status: e.status };
  }
}

/** Like runLine, but a failure throws with the command's output. */
export function mustRun(line, cwd, env) {
  const r = runLine(line, cwd, env);
  if (r.status !== 0) throw new Error(`\`${line}\` failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/**
 * Starts a README command that serves (a dev server), with `args` appended (a free port), and
 * resolves once it prints a local URL: {url, stop()}.
 */
export function startLine(line, cwd, args = []) {
  const child = spawn('bash', ['-c', `${PRELUDE}${line} ${args.join(' ')}`], { cwd, env: shellEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) { resolve(); return; }
    child.once('exit', resolve);
    process.kill(-child.pid, 'SIGTERM');
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { stop(); reject(new Error(`\`${line}\` printed no URL in 30 s:\n${log}`)); }, 30000);
    const onData = (d) => {
      log += d;
      const m = /(http:\/\/(?:localhost|127\.0\.0\.1):\d+)\/?/.exec(log.replace(/\x1b\[[0-9;]*m/g, ''));
      if (m) { clearTimeout(timer); resolve({ url: m[1], stop, log: () => log }); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`\`${line}\` exited (${code}):\n${log}`)); });
  });
}

/** The CLI's results for `texts` on `model` (JSON lines): the reference a recipe's results are compared with. */
export function cliResults(model, texts) {
  const out = execFileSync(CLI, ['classify', '--model', model, '--json', ...LIKE_BROWSER], { input: `${texts.join('\n')}\n`, encoding: 'utf8' });
  return out.trim().split('\n').map((l) => JSON.parse(l));
}

/**
 * A pipeline's `[{label, score}]` (its top_k best) against the CLI's result for the same text:
 * the same best label, and each score within `tol` of the CLI's score of that label.
 */
export function matchesCli(got, cli, tol) {
  const ref = new Map(cli.scores.map((s) => [s.label, s.score]));
  if (got[0]?.label !== cli.scores[0].label) return `best label ${got[0]?.label}, CLI ${cli.scores[0].label}`;
  for (const s of got) {
    if (!(Math.abs(s.score - ref.get(s.label)) <= tol)) return `${s.label}: ${s.score} vs the CLI's ${ref.get(s.label)}`;
  }
  return null;
}

/**
 * Opens `url` in a fresh browser as a visitor of the README's page (main.ts) does and waits for
 * main.ts's result: {out, console: [{type, text}], variant, threads (from main.ts's console line),
 * hardwareConcurrency}. No uncaught error on the way.
 */
export async function visitRecipe(url) {
  const b = await browser();
  try {
    const page = await b.context.newPage();
    const messages = [];
    page.on('console', (m) => messages.push({ type: m.type(), text: m.text() }));
    await page.goto(url);
    await page.waitForFunction(() => document.querySelector('#out')?.textContent !== 'loading…', null, { timeout: 60000 });
    const line = messages.map((m) => /^gamjeong: (\S+) build on (\d+) thread/.exec(m.text)).find(Boolean);
    assert.deepEqual(b.errors, []);
    return {
      out: await page.textContent('#out'), console: messages, variant: line?.[1], threads: Number(line?.[2]),
      hardwareConcurrency: await page.evaluate(() => navigator.hardwareConcurrency),
    };
  } finally {
    await b.close();
  }
}

/** The code main.ts's catch wrote (`${code}: ${message}`); it writes `unexpected: …` for anything but a GamjeongError. */
export function codeOf(out) {
  const m = /^([A-Z][A-Z_]+): /.exec(out);
  assert.ok(m, `a GamjeongError with a code, got ${out}`);
  return m[1];
}
