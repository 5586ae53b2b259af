// The whole integration: import from the package, make a pipeline, call it. Vite finds the
// worker and the wasm through the package's `new URL('…', import.meta.url)`; nothing to configure.
import { pipeline, GamjeongError } from 'gamjeong';
import type { PipelineProgressEvent, TextClassificationOutput, ErrorCode } from 'gamjeong';

// ?model=URL picks another model (the e2e test serves a fixture); the default is the 60-emotion one.
const model = new URLSearchParams(location.search).get('model');
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function onProgress(e: PipelineProgressEvent): void {
  if (e.status === 'progress_total') $<HTMLProgressElement>('bar').value = e.progress;
}

async function main(): Promise<void> {
  const classify = await pipeline('text-classification', model, { dtype: 'q8', progress_callback: onProgress });
  const run = async (): Promise<TextClassificationOutput> => classify($<HTMLTextAreaElement>('text').value, { top_k: 5 });
  $('go').addEventListener('click', async () => {
    $('out').textContent = JSON.stringify(await run(), null, 1);
  });
  $<HTMLButtonElement>('go').disabled = false;
  // For the e2e test: the same calls on its texts.
  (window as any).gamjeongExample = {
    all: (texts: string[]): Promise<TextClassificationOutput[]> => classify(texts, { top_k: null }),
    info: classify.info,
  };
}

main().catch((e: unknown) => {
  const code: ErrorCode | undefined = e instanceof GamjeongError ? e.code : undefined;
  $('out').textContent = `${code ?? 'ERROR'}: ${e instanceof Error ? e.message : String(e)}`;
  (window as any).gamjeongExampleError = { code, message: String(e) };
});
