// The checksum of a cached f32 file (those have none of their own, unlike the quantized files,
// which WasmLoader verifies): stored with the entry, checked on every read.
import { throwIfAborted } from './errors.js';

/** The header a cached f32 file's digest is stored in: `sha256-8MiB-blocks:<hex>`. */
export const DIGEST_HEADER = 'x-gamjeong-digest';
const DIGEST_SCHEME = 'sha256-8MiB-blocks';
const DIGEST_BLOCK = 8 << 20;

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * `sha256-8MiB-blocks:<hex>`: the SHA-256 of the SHA-256s of the bytes' 8 MiB blocks (the
 * last one shorter; one block for a small file). crypto.subtle.digest copies its input, so
 * hashing a block at a time bounds that copy at 8 MiB instead of the whole f32 weights
 * (~440 MB for a BERT-base); the hashing itself is native and off the calling thread.
 */
export async function digestOf(bytes, signal) {
  const blocks = Math.max(1, Math.ceil(bytes.length / DIGEST_BLOCK));
  const sums = new Uint8Array(32 * blocks);
  for (let i = 0; i < blocks; i++) {
    throwIfAborted(signal);
    const block = bytes.subarray(i * DIGEST_BLOCK, (i + 1) * DIGEST_BLOCK);
    sums.set(new Uint8Array(await crypto.subtle.digest('SHA-256', block)), 32 * i);
  }
  return `${DIGEST_SCHEME}:${hex(new Uint8Array(await crypto.subtle.digest('SHA-256', sums)))}`;
}

/** A cached f32 file that cannot be used; `stale`: written without a (known) checksum. */
export class CachedF32Error extends Error {
  constructor(message, file, stale = false) {
    super(message);
    this.file = file;
    this.stale = stale;
  }
}

/** Throws a CachedF32Error unless `bytes` (read from the cached `res`) are what was stored. */
export async function verifyCachedF32(res, bytes, file, signal) {
  const want = Number(res.headers.get('x-gamjeong-length'));
  if (want && want !== bytes.length) throw new CachedF32Error(`${file} is ${bytes.length} bytes, expected ${want}`, file);
  const stored = res.headers.get(DIGEST_HEADER);
  if (!stored?.startsWith(`${DIGEST_SCHEME}:`)) {
    throw new CachedF32Error(`${file} was stored without a ${DIGEST_SCHEME} checksum`, file, true);
  }
  const got = await digestOf(bytes, signal);
  if (got !== stored) {
    const head = (d) => d.slice(DIGEST_SCHEME.length + 1, DIGEST_SCHEME.length + 17);
    throw new CachedF32Error(`${file}: checksum mismatch, ${head(got)}… instead of the stored ${head(stored)}…`, file);
  }
}
