// package.json of the npm package (scripts/pack.sh): `node scripts/npm-package.mjs VERSION`.
// Its file list comes from the modules' imports and the table of wasm builds (scripts/builds.mjs).
import { npmFiles, SIDE_EFFECTS } from './builds.mjs';

const version = process.argv[2];
if (!version) throw new Error('usage: node scripts/npm-package.mjs VERSION');
const pkg = {
  name: 'gamjeong',
  version,
  description: 'Private, client-side BERT text classification (Korean 60-emotion model by default) in WebAssembly: browsers, bundlers and Node.js, with a transformers.js-style pipeline.',
  license: 'MIT OR Apache-2.0',
  keywords: ['bert', 'text-classification', 'sentiment', 'korean', 'webassembly', 'wasm', 'transformers', 'pipeline'],
  type: 'module',
  main: './gamjeong.js',
  types: './gamjeong.d.ts',
  // Bundlers targeting browsers match `browser`; Node matches `node` (in-process, a cache
  // directory, local paths); anything else gets the browser build.
  exports: {
    '.': {
      types: './gamjeong.d.ts',
      browser: './gamjeong.js',
      node: './node.js',
      default: './gamjeong.js',
    },
    './package.json': './package.json',
  },
  files: npmFiles(),
  // Everything else may be dropped by a bundler when unused; these run code on import.
  sideEffects: SIDE_EFFECTS.map((f) => `./${f}`),
  engines: { node: '>=20' },
};
process.stdout.write(`${JSON.stringify(pkg, null, 2)}\n`);
