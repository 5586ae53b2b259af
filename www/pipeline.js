// transformers.js-style entry point: `pipeline('text-classification', model?, options)` returns
// an async function whose results have the shapes transformers.js's TextClassificationPipeline
// returns (checked against its source: src/pipelines/text-classification.js), so moving from
// transformers.js is a changed import line. Built on Classifier (classifier.js); the scores come
// from the model's own activation (softmax, or sigmoid for multi_label_classification).
import { Classifier } from './classifier.js';
import { DEFAULT_MODEL } from './runtime/address.js';
import { GamjeongError } from './runtime/errors.js';
import { withTotals } from './progress.js';
import { checkOptions, pipelineLoadOptions, PIPELINE_CALL_OPTIONS, PIPELINE_CALL_HINTS } from './options.js';

const TASKS = { 'text-classification': 'text-classification', 'sentiment-analysis': 'text-classification' };

/**
 * @param {string} task `text-classification` (or its alias `sentiment-analysis`)
 * @param {string|null} [model] hub id, folder URL/path or quantized file; default the 60-emotion model
 * @param {import('./gamjeong.d.ts').PipelineOptions} [options]
 */
export async function pipeline(task, model = null, options = {}) {
  const resolved = TASKS[task];
  if (!resolved) {
    throw new GamjeongError(`Unsupported pipeline: ${task}. gamjeong runs ${Object.keys(TASKS).join(', ')}.`, 'BAD_INPUT');
  }
  if (model != null && typeof model !== 'string') {
    throw new GamjeongError(`pipeline(task, model): model must be a string (a hub id, folder or file), got ${typeof model}.`, 'BAD_INPUT');
  }
  const { options: loadOpts, progress_callback } = pipelineLoadOptions(options, 'pipeline(task, model, options)');
  const name = model || DEFAULT_MODEL;
  const report = progress_callback
    ? withTotals((ev) => progress_callback(ev.status === 'ready' ? { ...ev, task: resolved } : ev), name)
    : undefined;
  const classifier = await Classifier.load({ ...loadOpts, model: name, onProgress: report });

  /**
   * One text → `[{label, score}, …]`; an array of texts → one entry per text (a flat list
   * with top_k 1, else a list per text). top_k: default 1, `null` = every label.
   */
  async function classify(texts, options) {
    const { top_k = 1 } = checkOptions(options, PIPELINE_CALL_OPTIONS, 'classify(texts, options)', PIPELINE_CALL_HINTS);
    const many = Array.isArray(texts);
    const results = many
      ? (texts.length ? (await classifier.classifyBatch(texts)).results : [])
      : [await classifier.classify(texts)];
    const out = [];
    for (const r of results) {
      const k = top_k === null ? r.scores.length : top_k;
      const vals = r.scores.slice(0, k).map((s) => ({ label: s.label, score: s.score }));
      if (top_k === 1) out.push(...vals);
      else out.push(vals);
    }
    return many || top_k === 1 ? out : out[0];
  }

  return Object.assign(classify, {
    task: resolved,
    /** The Classifier underneath: `info`, `classify` (with logits, tokens, the emotion taxonomy), `dispose`. */
    classifier,
    info: classifier.info,
    dispose: async () => classifier.dispose(),
  });
}


export default pipeline;
