// package.json of the npm package (scripts/pack.sh): `node scripts/npm-package.mjs VERSION`.
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
  files: ['gamjeong.js', 'runtime.js', 'worker.js', 'pool-worker.js', 'pipeline.js', 'progress.js', 'storage.js', 'node.js', 'gamjeong.d.ts', 'pkg/', 'pkg-relaxed/', 'pkg-threads/', 'pkg-threads-relaxed/'],
  sideEffects: false,
  engines: { node: '>=20' },
};
process.stdout.write(`${JSON.stringify(pkg, null, 2)}\n`);
