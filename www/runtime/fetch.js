// Fetching a model's files: a response that is really the file (not a 404, not a captive
// portal's web page), its bytes streamed chunk by chunk with throttled progress events, the
// folder's weights in transformers' order, and HEAD probes for a page that asks first.
import { GamjeongError, throwIfAborted } from './errors.js';
import { platform } from './platform.js';
import { WEIGHT_FILES } from './address.js';

const PROGRESS_EVERY_MS = 60;

// A captive portal, a proxy's error page or a single-page-app host's fallback answers 200
// with a web page instead of the file.
const HTML_START = /^[\s\ufeff]*<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|!--)/i;
function looksHtml(chunk) {
  const n = Math.min(chunk.length, 256);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(chunk[i]);
  return HTML_START.test(s);
}
const isHtml = (res) => /\btext\/html\b/i.test(res.headers.get('content-type') || '');

export function hostOf(url) {
  try { return new URL(url).host; } catch { return url; }
}

function htmlError(file, url) {
  return new GamjeongError(
    `${file} from ${hostOf(url)} came back as a web page (HTML) instead of the file: a Wi-Fi sign-in page (captive portal), a proxy or the host's error page answered. Sign in to the network or check the model address, then ${platform.host === 'node' ? 'try again' : 'reload'}.`,
    'HTML', { url });
}

/**
 * The response for `file` at `url`, or an error naming the file and what went wrong. With
 * `optional`, "not there" (404/401/403, an HTML page, a network error) is null instead.
 */
export async function fetchOk(url, file, { optional = false, signal } = {}) {
  throwIfAborted(signal);
  let res;
  try {
    res = await platform.fetch(url, signal ? { signal } : undefined);
  } catch (e) {
    throwIfAborted(signal);
    // An optional probe (the pre-quantized file) may fail as a network error where a host
    // sends its 404 without CORS headers; the required files that follow report real outages.
    if (optional) return null;
    throw new GamjeongError(`Could not download ${file} from ${hostOf(url)}: the network request failed (offline, blocked, or the server is unreachable).`, 'NETWORK', { url });
  }
  if (res.ok && isHtml(res)) {
    res.body?.cancel().catch(() => {});
    // An optional probe answered by a host's catch-all page means "no such file"; a required
    // file answered with HTML is an error the caller can act on.
    if (optional) return null;
    throw htmlError(file, url);
  }
  if (res.ok) return res;
  if (optional && (res.status === 404 || res.status === 401 || res.status === 403)) return null;
  const notFound = res.status === 404 || res.status === 401 || res.status === 410;
  throw new GamjeongError(
    notFound ? `${file} was not found at ${url} (HTTP ${res.status}).`
      : `Downloading ${file} failed: HTTP ${res.status} from ${url}.`,
    notFound ? 'NOT_FOUND' : 'HTTP', { url, status: res.status });
}

/** The body's length: the length gamjeong stored with it, else Content-Length unless encoded. */
export function contentLength(res) {
  const h = res.headers;
  if (h.get('content-encoding')) return Number(h.get('x-gamjeong-length')) || 0;
  return Number(h.get('x-gamjeong-length')) || Number(h.get('content-length')) || 0;
}

/**
 * Streams `res` chunk by chunk into `sink`, emitting throttled progress events. A body that
 * breaks off is a NETWORK error naming how far it got (never a model error); a network body
 * that starts like a web page is an HTML error; `signal` cancels between chunks.
 */
export async function pump(res, sink, file, phase, emit, signal) {
  const total = contentLength(res);
  const url = res.url;
  let loaded = 0;
  let last = 0;
  let reported = -1;
  const progress = () => {
    if (loaded === reported) return; // the last throttled event already said it
    reported = loaded;
    emit({
      status: 'progress', file, phase, loaded, total,
      progress: total ? Math.min(100, (100 * loaded) / total) : undefined,
    });
  };
  const broken = (e) => {
    throwIfAborted(signal);
    const of = total ? ` of ${total}` : '';
    return new GamjeongError(phase === 'cache'
      ? `Reading ${file} from the model cache failed after ${loaded}${of} bytes (${e?.message || e}).`
      : `The download of ${file} from ${hostOf(url)} was interrupted after ${loaded}${of} bytes (${e?.message || e}): the connection dropped. ${platform.host === 'node' ? 'Try again' : 'Reload to try again'}.`,
    'NETWORK', { url });
  };
  const check = (chunk) => {
    if (loaded === 0 && phase !== 'cache' && looksHtml(chunk)) throw htmlError(file, url);
  };
  if (!res.body) {
    let buf;
    try { buf = new Uint8Array(await res.arrayBuffer()); } catch (e) { throw broken(e); }
    throwIfAborted(signal);
    check(buf);
    sink(buf);
    loaded = buf.length;
  } else {
    const reader = res.body.getReader();
    try {
      for (;;) {
        let chunk;
        try { chunk = await reader.read(); } catch (e) { throw broken(e); }
        if (chunk.done) break;
        throwIfAborted(signal);
        check(chunk.value);
        sink(chunk.value);
        loaded += chunk.value.length;
        const now = performance.now();
        if (now - last >= PROGRESS_EVERY_MS) { last = now; progress(); }
      }
    } catch (e) {
      reader.cancel().catch(() => {});
      throw e;
    }
  }
  progress();
  return loaded;
}

/** The whole body of `res` in one array (pump's events on the way). */
export async function readAll(res, file, phase, emit, signal) {
  const chunks = [];
  const n = await pump(res, (c) => chunks.push(c), file, phase, emit, signal);
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

/** A small file of the folder (config.json, tokenizer.json), downloaded whole. */
export async function downloadText(url, file, emit, signal) {
  const res = await fetchOk(url, file, { signal });
  emit({ status: 'initiate', file, url });
  emit({ status: 'download', file, url });
  const bytes = await readAll(res, file, 'download', emit, signal);
  emit({ status: 'done', file, phase: 'download' });
  return bytes;
}

/**
 * The folder's source weights, as transformers looks for them: model.safetensors, else (a 404,
 * 401 or 410 for it) pytorch_model.bin. Anything else wrong with the first (HTML, a 500, a
 * dropped connection) is reported as it is, not taken for absence. Emits `fallback` when the
 * second file is used, saying why.
 */
export async function fetchWeights(src, emit, signal) {
  const [first, second] = WEIGHT_FILES;
  const files = await src.listing?.();
  if (files && !files.has(first) && files.has(second)) {
    // The hub lists the PyTorch checkpoint only: no request for the absent file.
    const res = await fetchOk(src.fileUrl(second), second, { signal });
    emit({ status: 'fallback', file: second, instead: first, reason: `the model's repository has no ${first}: reading the PyTorch checkpoint ${second}` });
    return { res, file: second };
  }
  try {
    return { res: await fetchOk(src.fileUrl(first), first, { signal }), file: first };
  } catch (e) {
    if (e?.code !== 'NOT_FOUND') throw e;
    let res;
    try {
      res = await fetchOk(src.fileUrl(second), second, { signal });
    } catch (e2) {
      if (e2?.code !== 'NOT_FOUND') throw e2;
      throw new GamjeongError(`${e.message} Nor was ${second} (HTTP ${e2.status}): the model folder has no weights gamjeong can read.`, 'NOT_FOUND', { url: e.url, status: e.status });
    }
    emit({ status: 'fallback', file: second, instead: first, reason: `no ${first} in the model folder (HTTP ${e.status}): reading the PyTorch checkpoint ${second}` });
    return { res, file: second };
  }
}

/** {bytes} of a file that exists (bytes null when unknown), null when it does not or the probe failed. */
export async function headOf(url) {
  try {
    const res = await platform.fetch(url, { method: 'HEAD' });
    if (!res.ok || isHtml(res)) return null;
    return { bytes: Number(res.headers.get('content-length')) || null };
  } catch {
    return null;
  }
}

/** {bytes, file} of the first of the folder's source weights that exists (WEIGHT_FILES' order), else null. */
export async function headWeights(src) {
  for (const file of WEIGHT_FILES) {
    const head = await headOf(src.fileUrl(file));
    if (head) return { ...head, file };
  }
  return null;
}
