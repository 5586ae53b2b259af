// Progress events across the files of one load, as transformers.js's pipeline reports them:
// before each per-file `progress` event, a `progress_total` event sums every file seen so far.

/**
 * Wraps `callback` so it also receives `{status: 'progress_total', name, progress, loaded,
 * total, files}`; every event gets `name` (the model) unless it has one.
 */
export function withTotals(callback, name) {
  const files = {};
  return (ev) => {
    if (ev.status === 'progress') {
      files[ev.file] = { loaded: ev.loaded, total: ev.total };
      let loaded = 0;
      let total = 0;
      for (const f of Object.values(files)) { loaded += f.loaded; total += f.total; }
      callback({
        status: 'progress_total', name, loaded, total,
        progress: total > 0 ? Math.min(100, (100 * loaded) / total) : 0,
        files: structuredClone(files),
      });
    }
    callback(ev.name === undefined ? { name, ...ev } : ev);
  };
}
