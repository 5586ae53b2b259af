#!/usr/bin/env node
// What the build, the site and the npm package are made of, derived from www/runtime/builds.js
// (the one table of wasm builds) and from the JS modules' own imports, so that no list of
// builds or modules is kept by hand anywhere else (docs/build.md).
//
//   node scripts/builds.mjs table              one line per build: VARIANT DIR FEATURES THREADS
//                                              (FEATURES comma-separated; THREADS 0|1), for build.sh
//   node scripts/builds.mjs site-files DIST    writes DIST/site-files.json for sw.js (below)
//   node scripts/builds.mjs npm-files          the npm package's files, one a line (scripts/pack.sh)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WWW = path.join(ROOT, 'www');
const { BUILDS } = await import(pathToFileURL(path.join(WWW, 'runtime/builds.js')).href);

/** The files a build folder holds once wasm-bindgen ran: its JS glue, the wasm, their types. */
export const BUILD_FILES = ['gamjeong.js', 'gamjeong_bg.wasm', 'gamjeong.d.ts'];
/** The entries of the npm package: the browser entry and the Node entry (package.json `exports`). */
const NPM_ENTRIES = ['gamjeong.js', 'node.js'];
/** Files of www/ that a browser never runs (Node's entry, the types) or that fetch themselves (sw.js). */
const NOT_SHELL = new Set(['node.js', 'gamjeong.d.ts', 'sw.js']);

/**
 * What the www/ module `rel` refers to, as paths relative to www/: its imports (static and
 * dynamic) and the files it loads with `new URL('…', import.meta.url)` (workers, CSS).
 * Comment lines are skipped (JSDoc types say `import('./gamjeong.d.ts')`).
 */
export function importsOf(rel) {
  const src = fs.readFileSync(path.join(WWW, rel), 'utf8').replace(/^\s*(\/\/|\/?\*).*$/gm, '');
  const refs = /(?:\bfrom\s*|\bimport\s*\(\s*|\bnew URL\(\s*)'(\.\.?\/[^']+)'/g;
  return [...src.matchAll(refs)].map(([, ref]) => path.posix.normalize(path.posix.join(path.posix.dirname(rel), ref)));
}

const isBuildFile = (rel) => BUILDS.some((b) => rel.startsWith(`${b.dir}/`));

/** The www/ files `entries` (paths relative to www/) reach through importsOf, build folders excluded. */
export function moduleGraph(entries) {
  const seen = new Set();
  const visit = (rel) => {
    if (seen.has(rel) || isBuildFile(rel)) return;
    if (!fs.existsSync(path.join(WWW, rel))) throw new Error(`www/${rel} is referred to but does not exist`);
    seen.add(rel);
    if (/\.m?js$/.test(rel)) importsOf(rel).forEach(visit);
  };
  entries.forEach(visit);
  return [...seen].sort();
}

/** Every file below www/ (relative, '/'-separated). */
function wwwFiles(dir = WWW) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? wwwFiles(p) : [path.relative(WWW, p).split(path.sep).join('/')];
  }).sort();
}

/** The npm package's files: the modules its entries reach, the types, every build's files. */
export function npmFiles() {
  const modules = new Set([...moduleGraph(NPM_ENTRIES), 'gamjeong.d.ts']);
  return [...modules, ...BUILDS.flatMap((b) => BUILD_FILES.map((f) => `${b.dir}/${f}`))];
}

/** Modules that do something when imported (the Node entry sets the platform; the workers listen): package.json `sideEffects`. */
export const SIDE_EFFECTS = ['node.js', 'worker.js', 'runtime/pool-worker.js'];

const data = (b) => ({ variant: b.variant, dir: b.dir, features: b.features, threads: b.threads });

const commands = {
  table() {
    for (const b of BUILDS) console.log(`${b.variant} ${b.dir} ${b.features.join(',')} ${b.threads ? 1 : 0}`);
  },
  /**
   * sw.js pre-caches the page's own files when it installs: `shell` (every file of www/ a
   * browser may load), `pool` (what a threads build adds) and the files of the build it runs.
   */
  'site-files'(dist) {
    if (!dist) throw new Error('usage: node scripts/builds.mjs site-files DIST');
    const pool = moduleGraph(['runtime/wasm.js']).filter((f) => f.endsWith('pool-worker.js'));
    const shell = wwwFiles().filter((f) => !NOT_SHELL.has(f) && !pool.includes(f));
    const out = { builds: BUILDS.map(data), buildFiles: BUILD_FILES.filter((f) => !f.endsWith('.d.ts')), shell, pool };
    fs.writeFileSync(path.join(dist, 'site-files.json'), `${JSON.stringify(out, null, 1)}\n`);
  },
  'npm-files'() {
    for (const f of npmFiles()) console.log(f);
  },
};

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const [cmd, ...args] = process.argv.slice(2);
  if (!commands[cmd]) {
    console.error(`usage: node scripts/builds.mjs ${Object.keys(commands).join('|')} [ARGS]`);
    process.exit(2);
  }
  commands[cmd](...args);
}
