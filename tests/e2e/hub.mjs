// A stand-in for the Hugging Face hub, for the browser tests: https://huggingface.co/** answered
// from a fixture folder as the hub answers (the hub itself is not reachable here).
import fs from 'node:fs';
import path from 'node:path';

/**
 * Answers https://huggingface.co/** in `context` as the hub does for model `hub.id` at
 * `hub.revision` (URL-decoded) served from `hub.folder`: `/{id}/resolve/{revision}/{file}` with
 * the file, `/api/models/{id}/tree/{revision}[/{dir}]` with the folder's listing (entries
 * `{type: 'file'|'directory', path, size, oid}`, paths from the repository's root); 404
 * EntryNotFound for anything else; CORS as the hub sends it. `hub.urls` collects every URL asked
 * for (context.route sees the module worker's fetches too), `hub.tree = false` makes the tree
 * API fail (500). (The hub answers an LFS file with a 302 to its CDN; a cross-origin 302 made with
 * route.fulfill fails fetch here ("Failed to fetch"), so files are served directly.)
 */
export async function routeHub(context) {
  const hub = { id: null, revision: null, folder: null, urls: [], tree: true };
  await context.route('https://huggingface.co/**', (route) => {
    const url = route.request().url();
    hub.urls.push(url);
    const headers = { 'access-control-allow-origin': '*' };
    const notFound = () => route.fulfill({ status: 404, headers: { ...headers, 'x-error-code': 'EntryNotFound' }, contentType: 'text/plain; charset=utf-8', body: 'Entry not found' });
    const { pathname } = new URL(url);
    const ours = (id, rev) => id === hub.id && decodeURIComponent(rev) === hub.revision;
    const tree = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)(?:\/(.+))?$/.exec(pathname);
    if (tree) {
      if (!hub.tree) return route.fulfill({ status: 500, headers, contentType: 'text/plain', body: 'Internal Error' });
      const dir = tree[3] ? path.join(hub.folder ?? '', tree[3]) : hub.folder;
      if (!ours(tree[1], tree[2]) || !fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return notFound();
      const entries = fs.readdirSync(dir, { withFileTypes: true }).map((d) => {
        const rel = tree[3] ? `${tree[3]}/${d.name}` : d.name;
        const isDir = d.isDirectory();
        return { type: isDir ? 'directory' : 'file', oid: '0'.repeat(40), size: isDir ? 0 : fs.statSync(path.join(dir, d.name)).size, path: rel };
      });
      return route.fulfill({ status: 200, headers, contentType: 'application/json', body: JSON.stringify(entries) });
    }
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(pathname);
    const file = m && ours(m[1], m[2]) ? path.join(hub.folder, m[3]) : null;
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) return notFound();
    return route.fulfill({
      status: 200, headers, body: fs.readFileSync(file),
      contentType: file.endsWith('.json') ? 'application/json' : 'application/octet-stream',
    });
  });
  return hub;
}
