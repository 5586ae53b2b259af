// Static server for the e2e tests: dist/ at /, the test's fixture models at /fixtures/,
// COOP/COEP like scripts/serve.py, every request logged, and per-path faults to inject
// (status, truncated or corrupted bodies, a dropped connection).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ts': 'text/plain', '.md': 'text/plain',
  '.safetensors': 'application/octet-stream', '.txt': 'text/plain',
};

/**
 * mounts: {'/': dir, '/fixtures/': dir}. Returns {url, log, faults, close}.
 * faults: Map(pathname -> {status} | {truncate: bytes} | {corruptAt: offset} | {drop: true}).
 */
export async function startServer(mounts) {
  const log = [];
  const faults = new Map();
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const pathname = decodeURIComponent(url.pathname);
    log.push({ method: req.method, path: pathname, t: Date.now() });
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    };
    const fault = faults.get(pathname);
    if (fault?.status) {
      res.writeHead(fault.status, { ...headers, 'Content-Type': 'text/plain' });
      res.end(`injected ${fault.status}`);
      return;
    }
    if (fault?.drop) { req.socket.destroy(); return; }
    const prefix = prefixes.find((p) => pathname.startsWith(p));
    let file = prefix && path.join(mounts[prefix], pathname.slice(prefix.length));
    if (file && !path.resolve(file).startsWith(path.resolve(mounts[prefix]))) file = null;
    if (file && fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!file || !fs.existsSync(file)) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    let body = fs.readFileSync(file);
    if (fault?.truncate !== undefined) body = body.subarray(0, fault.truncate);
    if (fault?.corruptAt !== undefined) { body = Buffer.from(body); body[fault.corruptAt] ^= 0xff; }
    res.writeHead(200, {
      ...headers,
      'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
      'Content-Length': body.length,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    faults,
    /** requests whose path matches re, since index `from` of the log */
    requests: (re, from = 0) => log.slice(from).filter((e) => re.test(e.path)),
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

// `node tests/e2e/server.mjs DIST FIXTURES` serves by hand.
if (import.meta.url === `file://${process.argv[1]}`) {
  const s = await startServer({ '/': process.argv[2] || 'dist', '/fixtures/': process.argv[3] || 'target/e2e/fixtures' });
  console.log(`serving on ${s.url}/`);
}
