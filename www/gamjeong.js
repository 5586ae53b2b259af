// gamjeong: Korean text → 60 emotions in the browser. The public JS API, and nothing else:
//
//   import { Classifier } from './gamjeong.js';
//   const model = await Classifier.load({ onProgress: (e) => console.log(e) });
//   const r = await model.classify('오늘 밥이 너무 맛있었어. 행복해', { topK: 5 });
//
// `Classifier` (classifier.js), the transformers.js-style `pipeline` (pipeline.js), the error
// type and the defaults. Types: gamjeong.d.ts; reference: docs/js-api.md.
export { Classifier, Classifier as default } from './classifier.js';
export { pipeline } from './pipeline.js';
export { GamjeongError } from './runtime/errors.js';
export { wasmSupport } from './runtime/wasm.js';
export { tierBytes } from './runtime/sizes.js';
export { DEFAULT_MODEL, DEFAULT_REVISION, DEFAULT_QUANT, QUANT_DIR, hubUrl } from './runtime/address.js';
export { CACHE_NAME } from './runtime/cache.js';
