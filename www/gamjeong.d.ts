// Hand-written types for gamjeong.js (the public API). The raw wasm-bindgen surface has its
// own generated types in pkg/gamjeong.d.ts. They need no lib beyond ES2022: no DOM lib and no
// @types/node, so a Node-only and a browser tsconfig both check them.

/** The quantization tier: f32 (the source weights) or a quantized one (q8 the default; q4 the smallest, q5 and q6 between). */
export type Quant = 'q8' | 'q4' | 'q5' | 'q6' | 'f32';

/** The part of an `AbortSignal` gamjeong uses: any AbortSignal (browser or Node) is one. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Shaped like transformers.js's progress_callback events, plus `convert` and `cache`. */
export type ProgressEvent =
  | { status: 'initiate' | 'download'; file: string; url: string }
  | {
      status: 'progress';
      file: string;
      /** download: bytes from the network; convert: f32 bytes from the network, quantized as they arrive; cache: bytes read from the Cache API. */
      phase: 'download' | 'convert' | 'cache';
      loaded: number;
      /** 0 when the server sent no length. */
      total: number;
      /** 0–100, undefined without a total. */
      progress?: number;
    }
  | { status: 'done'; file: string; phase: 'download' | 'convert' | 'cache' }
  /** `file`: the source weights converted (model.safetensors, or pytorch_model.bin after a `fallback`). */
  | { status: 'convert'; file: string; from: 'f32'; to: Exclude<Quant, 'f32'>; reason: string }
  /** The folder has no `instead` (model.safetensors: HTTP 404/401/410, or not in the hub's listing), so `file` (pytorch_model.bin, PyTorch's format) is read; `reason` says so. */
  | { status: 'fallback'; file: string; instead: string; reason: string }
  | {
      status: 'cache';
      /** hit / miss: looked up; stored: verified bytes cached; corrupt: failed verification, deleted,
       * fetched again; stale: an older gamjeong's entry deleted (`reason` says which, docs/js-api.md),
       * fetched again; unavailable / disabled: running uncached. */
      state: 'hit' | 'miss' | 'stored' | 'corrupt' | 'stale' | 'unavailable' | 'disabled';
      file?: string;
      bytes?: number;
      reason?: string;
    }
  /** The module worker could not start (old browser, blocked script): the model runs in the page. */
  | { status: 'worker'; state: 'unavailable'; reason: string }
  /** How many threads the model runs on; `reason` says why only one (null when more). */
  | { status: 'threads'; threads: number; reason: string | null }
  | ({ status: 'ready' } & Omit<ModelInfo, 'labels'>);

/**
 * Every key is checked: an unknown one (`dtype`, `topK` here) or a value of the wrong kind
 * rejects with `BAD_INPUT` naming the key and the accepted ones, as do two that contradict
 * (`threads` > 1 with a single-threaded `variant` or `worker: false`).
 */
/** How a model's logits become scores: `info.scoreFn`, `LoadOptions.scoreFn`. */
export type ScoreFn = 'softmax' | 'sigmoid' | 'identity';

export interface LoadOptions {
  /**
   * Hub id (default `hun3359/klue-bert-base-sentiment`), URL of a folder in HF layout, or URL of
   * one quantized `.safetensors`. Relative URLs resolve against the page: a folder next to it is
   * `'./models/x/'` (`'models/x'` is a hub id). Node.js: also a path or `file:` URL.
   */
  model?: string;
  /** Hub revision (branch, tag or commit); default `main`. Ignored for URLs. */
  revision?: string;
  /** Default `q8`. For a single quantized file the file's own tier is used. */
  quant?: Quant;
  onProgress?: (event: ProgressEvent) => void;
  /** Run in a module Web Worker (default true). Node.js: no effect (it runs in-process). */
  worker?: boolean;
  /** Keep the model in the cache (default true): the Cache API or IndexedDB in browsers, a directory in Node.js. */
  cache?: boolean;
  /** wasm build: `auto` (relaxed SIMD when the browser has it; with more than one thread a threads build), `simd128`, `relaxed`, or a threads build even with `threads: 1`: `threads` (SIMD128) or `threads-relaxed` (one thread when the page is not cross-origin isolated). */
  variant?: 'auto' | 'simd128' | 'relaxed' | 'threads' | 'threads-relaxed';
  /**
   * Threads for inference (1–16). Default: min(4, navigator.hardwareConcurrency) when the page
   * is cross-origin isolated (COOP + COEP headers) and has SharedArrayBuffer, else 1; a
   * `{status: 'threads'}` progress event says how many and why not more. Results are
   * bit-identical for every thread count above 1 (docs/threads.md).
   */
  threads?: number;
  /** Base for relative model URLs (default: the page's URL; Node.js: the working directory). */
  baseUrl?: string;
  /**
   * How scores come from logits, overriding config.json's `problem_type` (default: the model's
   * own, `info.scoreFn`): `'sigmoid'` for a model trained multi-label whose config does not say
   * so, `'identity'` for the raw logits. transformers' `function_to_apply`; the logits do not change.
   */
  scoreFn?: ScoreFn;
  /**
   * Cancels the load: the download stops (the fetch is aborted), `load` rejects with a
   * `GamjeongError` whose `code` is `'ABORTED'` and `name` is `'AbortError'`, the worker is
   * stopped and nothing is put in the cache. A signal that is already aborted rejects at once,
   * before any request. A later `load` of the same model starts afresh.
   */
  signal?: AbortSignalLike;
  /**
   * Node.js: the directory models are cached in. Default `$GAMJEONG_CACHE_DIR`, else
   * `$XDG_CACHE_HOME/gamjeong`, else `~/.cache/gamjeong`. No effect in browsers or with `cache: false`.
   */
  cacheDir?: string;
}

export interface Label { label: string; group: string | null; gloss: string | null }
/** A class of the loaded model (`info.labels`): its group's English gloss besides. */
export interface ModelLabel extends Label { groupGloss: string | null }

export interface Score extends Label { index: number; score: number }

/** The CLI's JSON fields plus the time the forward pass took. */
export interface Classification {
  text: string;
  /** Tokens fed to the model, [CLS] and [SEP] included. */
  tokens: number;
  truncated: boolean;
  /** Raw logits in class-index order. */
  logits: number[];
  /** Highest first; all classes unless topK. */
  scores: Score[];
  ms: number;
}

/** One word (a maximal run of non-whitespace) of an explained text. */
export interface WordScore {
  text: string;
  /** UTF-16 offsets: `text.slice(start, end) === word.text`. */
  start: number;
  end: number;
  /** Token ids of the word (empty past the 512-token limit). */
  tokens: number[];
  /** p(label | text) − p(label | the word's tokens masked); null past the 512-token limit. */
  score: number | null;
}

/** `Classifier.explain`: the label explained and every word of the text with its score. */
export interface Explanation {
  text: string;
  label: string;
  index: number;
  /** p(label | text). */
  prob: number;
  tokens: number;
  truncated: boolean;
  words: WordScore[];
  ms: number;
}

export interface BatchClassification {
  results: Omit<Classification, 'ms'>[];
  /** Time for the whole batch. */
  ms: number;
}

export interface ModelInfo {
  model: string;
  revision: string;
  kind: 'hub' | 'folder' | 'file';
  /** The weights' tier; for a single quantized file, the one recorded in the file. */
  quant: Quant;
  /** cache: read from the Cache API; network: downloaded as is; convert: f32 downloaded and quantized here. */
  source: 'cache' | 'network' | 'convert';
  cached: boolean;
  cacheName: string | null;
  /** Where the model is cached: the Cache API, IndexedDB (where the Cache API is missing or refuses), a directory (Node); null uncached. */
  storage: 'cache-api' | 'indexeddb' | 'directory' | null;
  variant: 'simd128' | 'relaxed' | 'threads' | 'threads-relaxed';
  kernel: string;
  /** Threads inference runs on (1 unless the threads build started). */
  threads: number;
  version: string;
  formatVersion: string;
  labels: ModelLabel[];
  /**
   * How scores come from logits (config.json's `problem_type`): softmax (one label per text,
   * scores sum to 1), sigmoid (multi-label or one output: each label's own probability, 0.5
   * the line past which it applies), identity (regression: the logits).
   */
  scoreFn: ScoreFn;
  /** wasm memory after loading, bytes. */
  memoryBytes: number;
  loadMs: number;
}

export interface CacheEntry {
  cache: string;
  key: string;
  model: string;
  revision: string;
  /** The tier stored; `file` for a single quantized file (loaded in the tier it records). */
  quant: Quant | 'file';
  formatVersion: string;
  file: string;
  bytes: number;
  stored: string | null;
}

/** `Classifier.plan`: what a load would download. */
export interface LoadPlan {
  /** The model is in the cache (any format version: an older one is downloaded again). */
  cached: boolean;
  /** Bytes to download: 0 when cached, null when the server does not say. */
  bytes: number | null;
  /** f32 weights would be quantized while they download (no pre-quantized file). */
  convert: boolean;
}

export interface CacheInfo {
  available: boolean;
  name: string;
  entries: CacheEntry[];
  bytes: number;
  usage?: number;
  quota?: number;
}

/**
 * Every `GamjeongError.code`. Stable: branch on these, never on the message text.
 * From the loader: NETWORK (request failed, or the download broke off: the message says after
 * how many bytes), NOT_FOUND, HTTP (other status), HTML (a web page came back instead of the
 * file: captive portal, proxy or host error page), BAD_MODEL_SPEC, ABORTED (the load's
 * AbortSignal fired; `name` is then `'AbortError'`), NO_WASM, NO_SIMD, WORKER, DISPOSED,
 * NOT_LOADED (a Classifier made with `new` instead of `Classifier.load`).
 * From the model code (Rust `ErrorCode`, defined once in src/error.rs; the wasm build lists them
 * in `buildInfo().errorCodes`, which tests/e2e/codes.test.mjs checks this union against):
 * BAD_MODEL (config, tokenizer or weights unusable,
 * or a quantized file corrupt or truncated), FORMAT_OLD / FORMAT_NEW (a quantized file from an
 * older / newer gamjeong: quantize again), NO_CLASSIFIER (a bare encoder: nothing to classify),
 * BAD_INPUT, IO, COMPUTE, FINISHED, BAD_QUANT (unknown `quant`; `schemes` lists the known ones),
 * NO_MASK_TOKEN (`explain` on a tokenizer without [MASK]), UNSUPPORTED_MODEL (a model family or
 * tokenizer this version does not run; the message names what was found and what is
 * supported). MODEL: anything else.
 */
export type ErrorCode =
  | 'NETWORK' | 'NOT_FOUND' | 'HTTP' | 'HTML' | 'BAD_MODEL_SPEC' | 'ABORTED' | 'NO_WASM'
  | 'NO_SIMD' | 'WORKER' | 'DISPOSED' | 'NOT_LOADED'
  | 'BAD_MODEL' | 'FORMAT_OLD' | 'FORMAT_NEW' | 'NO_CLASSIFIER' | 'BAD_INPUT' | 'IO' | 'COMPUTE'
  | 'FINISHED' | 'MODEL' | 'BAD_QUANT' | 'NO_MASK_TOKEN' | 'UNSUPPORTED_MODEL';

export class GamjeongError extends Error {
  code: ErrorCode;
  url?: string;
  status?: number;
  /** BAD_QUANT: the schemes this build knows (`q8`, `q4`, `f32`). */
  schemes?: string[];
  /** classifyFile / inspectFile: the file's line (1-based) where it went wrong. */
  line?: number;
  /** classifyFile: the file's columns, when the text column is missing or ambiguous. */
  columns?: string[];
  /** classifyFile, stopped or failed: the counts and progress of the rows done. */
  summary?: FileSummary;
  progress?: FileProgress;
}

// ---- whole files: classifyFile, inspectFile (docs/js-api.md, docs/bulk.md) -----------------

/**
 * What `classifyFile` reads, chunk by chunk: a File or Blob (its `stream()`), a ReadableStream,
 * a Node Readable (any async iterable of byte or string chunks), a path or `file:` URL (Node),
 * or the bytes themselves. Typed by shape, so no DOM or Node typings are needed.
 */
export type FileSource =
  | { readonly size: number; stream(): unknown; slice(start?: number, end?: number): unknown }
  | { getReader(): unknown }
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array | string>
  | string
  | { readonly href: string }
  | ArrayBuffer
  | Uint8Array;

export type FileFormat = 'auto' | 'lines' | 'csv' | 'tsv' | 'jsonl' | 'kakao';

export interface FileReadOptions {
  /** Default `'auto'`: by the file name's extension, else by the first bytes. */
  format?: FileFormat;
  /** The text column (CSV/TSV) or field (JSONL); default `text`, or the only column. */
  column?: string;
  /** The name `format: 'auto'` goes by, for a source without one (a stream). */
  fileName?: string;
}

export interface ClassifyFileOptions extends FileReadOptions {
  /** Every row gets `scores` (class order); the files one `score_<label>` column per class. */
  allScores?: boolean;
  /** Rows whose top score is under this are `lowConfidence` (default 0.5). */
  lowConfidence?: number;
  /** The CLI's output files the batches carry: `csv` (UTF-8 with a BOM), `jsonl`. */
  files?: ReadonlyArray<'csv' | 'jsonl'>;
  /** Rows per step (default 32): a stop waits for at most one step. */
  batchSize?: number;
  /** The source's size in bytes, for `share` and `etaSeconds` (a File or path knows its own). */
  size?: number;
  onProgress?: (progress: FileProgress) => void;
  /** Cancels the run after the current step: the loop rejects with `ABORTED`. */
  signal?: AbortSignalLike;
}

export interface InspectFileOptions extends FileReadOptions {
  /** How many of the first rows to return (default 5, at most 1000). */
  rows?: number;
  /** How much of the file's start to read, 1 KiB to 16 MiB (default 256 KiB). */
  headBytes?: number;
}

export interface FileRow {
  /** 0-based, in input order. */
  index: number;
  /** The input line the row starts on (1-based). */
  line: number;
  /** One string per input column (`FileRun.table.columns`). */
  cells: string[];
  text: string;
  /** Null for a skipped row. */
  label: string | null;
  score: number | null;
  /** The 60-emotion model's group (분노 … 기쁨), else null. */
  group: string | null;
  /** `score` under the threshold; null for a skipped row or a regression head. */
  lowConfidence: boolean | null;
  /** Why the row was not classified: a blank text, or a chat's photo, video, emoticon or file. */
  skipped: 'empty' | 'media' | null;
  /** With `allScores`: every class's score, in class order. */
  scores?: number[];
}

export interface FileProgress {
  bytesRead: number;
  rowsRead: number;
  rowsDone: number;
  /** Input bytes up to the end of the last finished row. */
  bytesDone: number;
  inputDone: boolean;
  complete: boolean;
  totalBytes: number | null;
  /** `bytesDone / totalBytes` (1 when complete); null when the size is unknown. */
  share: number | null;
  /** Rows in the whole file: exact once it is read, an estimate by bytes before. */
  rowsTotal: number | null;
  rowsTotalExact: boolean;
  rowsPerSecond: number;
  etaSeconds: number | null;
  elapsedSeconds: number;
}

export interface FileTable {
  format: Exclude<FileFormat, 'auto'>;
  columns: string[];
  textColumn: string;
  /** The output's columns (CSV header, JSONL keys): the input's, then label, score, … */
  outputColumns: string[];
}

export interface FileSpeaker {
  name: string;
  rows: number;
  classified: number;
  lowConfidence: number;
  /** Top-1 counts by class index. */
  labels: number[];
  categoryCounts: number[];
}

export interface FileSummary {
  rows: number;
  classified: number;
  skippedEmpty: number;
  skippedMedia: number;
  lowConfidence: number;
  /** Top-1 counts by class index. */
  labels: number[];
  /** The six groups of the 60-emotion model, else the labels. */
  categories: string[];
  categoryCounts: number[];
  /** Chats: per speaker, in order of first message. */
  speakers: FileSpeaker[];
  /** Chats: bucket (`2025-03-14`, or `2025-03-14 15` for a one-day chat) → speaker → category counts. */
  timeline: { unit: 'day' | 'hour' | ''; buckets: Record<string, Record<string, number[]>> };
  /** Chats: the lines that were not messages. */
  chatLines: { header: number; events: number; unrecognized: number } | null;
}

export interface FileBatch {
  rows: FileRow[];
  /** The CSV bytes of this step (with `files: ['csv']`; the first start with the BOM and header). */
  csv: Uint8Array;
  jsonl: Uint8Array;
  progress: FileProgress;
  table: FileTable | null;
}

/** One run over one file, read once: rows in input order, or `batches()`. */
export interface FileRun extends AsyncIterable<FileRow> {
  batches(): AsyncIterableIterator<FileBatch>;
  /** Known once the file's columns are. */
  readonly table: FileTable | null;
  readonly progress: FileProgress | null;
  /** Counts over the rows done, once the run has ended (complete, stopped or failed). */
  readonly summary: FileSummary | null;
  /** Every row of the file was classified. */
  readonly complete: boolean;
}

export interface FileInspection {
  format: Exclude<FileFormat, 'auto'>;
  columns: string[];
  /** The text column chosen without asking, or null (`columnError` says why). */
  textColumn: string | null;
  columnError: string | null;
  /** The first rows, one string per column. */
  rows: string[][];
  fileName: string | null;
}

/**
 * Made by `Classifier.load` once the model is ready (`new Classifier()` rejects every call with
 * `NOT_LOADED`). Overlapping calls run one at a time in call order, each with its own result.
 */
export class Classifier {
  static load(options?: LoadOptions): Promise<Classifier>;
  /**
   * What `load(options)` would download, without downloading a body (HEAD requests and a look
   * into the cache this host uses): null when no weights are found (`load` then says why).
   */
  static plan(options?: LoadOptions): Promise<LoadPlan | null>;
  /** `cacheDir`: Node.js only. */
  static clearCache(options?: { cacheDir?: string }): Promise<number>;
  static cacheInfo(options?: { cacheDir?: string }): Promise<CacheInfo>;
  static support(): { wasm: boolean; simd: boolean; relaxed: boolean };
  readonly info: ModelInfo;
  classify(text: string, options?: { topK?: number }): Promise<Classification>;
  classifyBatch(texts: readonly string[], options?: { topK?: number }): Promise<BatchClassification>;
  /** Word-level feature ablation for `label` (index or name; default the top label). */
  explain(text: string, options?: { label?: number | string }): Promise<Explanation>;
  /**
   * A whole file (lines, CSV/TSV, JSON Lines, KakaoTalk export) classified chunk by chunk where
   * the model runs; bad options throw `BAD_INPUT` at once, a bad file rejects the loop with
   * `BAD_INPUT` and its `line`.
   */
  classifyFile(source: FileSource, options?: ClassifyFileOptions): FileRun;
  /** The start of a file: its format, columns and first rows, for a column picker. */
  inspectFile(source: FileSource, options?: InspectFileOptions): Promise<FileInspection>;
  memoryBytes(): Promise<number>;
  dispose(): void;
}

/**
 * What this engine runs: WebAssembly, SIMD, relaxed SIMD; how it lowers the relaxed dot product
 * (`'saturating'`: x86 without AVX-VNNI; `'exact'`: VNNI; `'signed'`: Arm; null without relaxed
 * SIMD); and whether `variant: 'auto'` takes a relaxed build (not with the saturating lowering,
 * where the SIMD128 build is faster and keeps 15-bit activations).
 */
export function wasmSupport(): {
  wasm: boolean; simd: boolean; relaxed: boolean;
  relaxedDot: 'exact' | 'saturating' | 'signed' | 'other' | null; relaxedPreferred: boolean;
};
/** Bytes of tensor data per tier. */
export interface TierBytes { f32: number; q8: number; q4: number; q5: number; q6: number }
/**
 * What each tier of a model costs to download, from its config.json alone (an object or its
 * text; labels from `id2label`, else `num_labels`), by the engine's own quantizer rules: f32 and
 * q8 exact, q4/q5/q6 estimated. Rejects with `BAD_MODEL` or `UNSUPPORTED_MODEL`.
 */
export function tierBytes(config: object | string): Promise<TierBytes>;
/** A model's page on the Hugging Face hub, or with `file` the URL of one of its files at `revision` (default `main`). */
export function hubUrl(id: string, revision?: string, file?: string): string;
export const DEFAULT_MODEL: string;
export const DEFAULT_REVISION: string;
export const DEFAULT_QUANT: Quant;
export const CACHE_NAME: string;
export const QUANT_DIR: string;

// ---- transformers.js-style pipeline ---------------------------------------------------------

/** Every per-file event gets `name` (the model); `progress_total` sums all files of the load. */
export type PipelineProgressEvent =
  | (Exclude<ProgressEvent, { status: 'ready' }> & { name: string })
  | ({ status: 'ready'; task: 'text-classification' } & Omit<ModelInfo, 'labels'>)
  | {
      status: 'progress_total';
      name: string;
      /** 0–100 (0 while no file has a size). */
      progress: number;
      loaded: number;
      total: number;
      files: Record<string, { loaded: number; total: number }>;
    };

/** transformers.js's `dtype` names, mapped to gamjeong's tiers: auto → q8; fp32 → f32; q8, int8, uint8 → q8; q4; and gamjeong's own f32, q5, q6. */
export type DType = 'auto' | 'fp32' | 'f32' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q5' | 'q6';

/** `Classifier.load`'s options but `model` (the second argument) and `onProgress`, plus transformers.js's names. Checked as strictly. */
export interface PipelineOptions extends Omit<LoadOptions, 'model' | 'onProgress'> {
  progress_callback?: (event: PipelineProgressEvent) => void;
  /** transformers.js's name for `quant` (`DType`). With `quant` too, both must name the same tier. */
  dtype?: DType;
  /** transformers.js's device: gamjeong runs on the CPU through WebAssembly, so only these are accepted (and change nothing). */
  device?: 'auto' | 'wasm' | 'cpu';
  /** transformers' name for `scoreFn` (`'none'` is `'identity'`). With `scoreFn` too, both must agree. */
  function_to_apply?: 'softmax' | 'sigmoid' | 'none';
}

export interface TextClassificationSingle { label: string; score: number }
export type TextClassificationOutput = TextClassificationSingle[];
/** The pipeline's call options, transformers.js's: `top_k` (default 1; `null`: every label, highest score first). */
export interface TextClassificationOptions { top_k?: number | null }

/**
 * What `classify(texts, { top_k })` returns: for one text its `top_k` best labels; for several,
 * with top_k 1 (the default) the best label of each in one flat list, else a list per text.
 */
export type TextClassificationResult<T, K> = T extends string
  ? TextClassificationOutput
  : [K] extends [1 | undefined]
    ? TextClassificationOutput
    : number extends K
      ? TextClassificationOutput | TextClassificationOutput[]
      : TextClassificationOutput[];

/** As transformers.js's TextClassificationPipeline: call it with a text or an array of texts. */
export interface TextClassificationPipeline {
  /** One signature (not overloads), so that a wrong option (`{ topK: 3 }`) is named as such. */
  <T extends string | readonly string[], K extends number | null | undefined = undefined>(
    texts: T,
    options?: { top_k?: K },
  ): Promise<TextClassificationResult<T, K>>;
  readonly task: 'text-classification';
  /** What was loaded (labels with the 60-emotion taxonomy's group/gloss when the model is that one). */
  readonly info: ModelInfo;
  /** The Classifier underneath: logits, token counts, the taxonomy. */
  readonly classifier: Classifier;
  dispose(): Promise<void>;
}

/**
 * `pipeline('text-classification', model?, options?)`, as in transformers.js. `model`: hub id,
 * folder URL (Node: also a path) or quantized `.safetensors`; default the 60-emotion model.
 */
export function pipeline(
  task: 'text-classification' | 'sentiment-analysis',
  model?: string | null,
  options?: PipelineOptions,
): Promise<TextClassificationPipeline>;

export default Classifier;
