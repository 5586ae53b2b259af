// The demo page's model status while it loads: the phase and its text, the progress bar, the
// note on the download's size, and the notes a load gathers (converted, stored, not stored…)
// for the status once it is ready. The page (app.js) says when a load starts and ends.

const $ = (id) => document.getElementById(id);

/**
 * @param {object} o
 * @param {object} o.strings        the page's strings (i18n.js)
 * @param {() => string} o.quant    the tier being loaded (for the conversion note)
 */
export function loadStatus({ strings: T, quant }) {
  const notes = [];
  const sized = new Set();
  /** Adds a note once (an f32 model stores three files, each saying so). */
  const note = (text) => { if (!notes.includes(text)) notes.push(text); };

  function set(phase, text, percent) {
    $('status').dataset.phase = phase;
    $('status-phase').textContent = T.phase[phase] || T.phase.loading;
    $('status-text').textContent = text;
    const bar = $('status-bar');
    if (percent === undefined) {
      bar.hidden = !['download', 'convert', 'cache', 'loading'].includes(phase);
      bar.removeAttribute('value');
    } else {
      bar.hidden = false;
      bar.value = percent;
    }
  }

  /** The loading note, with the real size once the first weight file's size is known. */
  function sizeNote(e) {
    if (e.phase === 'cache' || !/\.(safetensors|bin)$/.test(e.file)) return; // a cache read downloads nothing
    $('status-note').textContent = e.phase === 'convert' ? T.sizeNoteConvert(e.total, quant()) : T.sizeNote(e.total);
  }

  return {
    set,
    /** A new load: no notes yet. */
    reset() {
      notes.length = 0;
      sized.clear();
      $('status-note').textContent = '';
    },
    /** The notes gathered, as one text (null when there are none). */
    notes: () => (notes.length ? notes.join(' ') : null),
    /** Classifier.load's onProgress. */
    onProgress(e) {
      switch (e.status) {
        case 'initiate':
        case 'download':
          set('download', T.starting(e.file));
          break;
        case 'convert':
          note(T.noteConvert);
          break;
        case 'progress':
          if (e.total && !sized.has(e.file)) {
            sized.add(e.file);
            sizeNote(e);
          }
          set(e.phase, T.progress(e.file, e.loaded, e.total, e.progress), e.total ? e.progress : undefined);
          break;
        case 'cache':
          if (e.state === 'hit') set('cache', T.cacheHit(e.file));
          if (e.state === 'corrupt') note(T.noteCorrupt);
          if (e.state === 'stale') note(T.noteStale);
          if (e.state === 'stored') note(T.noteStored);
          if (e.state === 'unavailable' || e.state === 'disabled') note(T.noteNotStored(e.reason));
          break;
        default:
      }
    },
  };
}
