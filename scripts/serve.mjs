// The one static server of the project, with the cross-origin isolation headers (COOP/COEP/CORP)
// that SharedArrayBuffer and so the wasm threads builds need, and `application/wasm` for .wasm:
// `./build.sh serve` serves dist/ with it, the e2e tests (tests/e2e/common.mjs) serve dist/ and
// their fixtures, the benchmark (bench/lib.mjs) its page and assets. For the tests it logs every
// request and injects faults per path (status, truncated or corrupted bodies, a dropped
// connection, a body that breaks off, another body such as a captive portal's page, a slow stream).
//
//   node scripts/serve.mjs [DIR] [--host 127.0.0.1] [--port 8080]     (defaults: dist, $HOST, $PORT)
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ts': 'text/plain', '.md': 'text/plain',
  '.safetensors': 'application/octet-stream', '.txt': 'text/plain',
};

/**
 * mounts: {'/': dir, '/fixtures/': dir}; `isolated: false` leaves out COOP/COEP/CORP (a page that
 * is not cross-origin isolated); `cacheControl` (default no-store); `host`, `port` (default
 * 127.0.0.1 and any free port); `log: false` keeps no log (a long-running server).
 * Returns {url, log, faults, requests, close}.
 * faults: Map(pathname -> fault), one of
 *   {status}              that status, a short text body
 *   {truncate: bytes}     200 with the first bytes only (Content-Length says so)
 *   {corruptAt: offset}   200 with one byte flipped
 *   {drop: true}          the socket is closed before any response
 *   {dropAfter: bytes}    headers with the full Content-Length, that many bytes, then the socket is destroyed
 *   {body, type}          200 with this body and Content-Type instead of the file (status too if given)
 *   {slow: {bytesPerTick, ms}}  the file, bytesPerTick every ms milliseconds (with dropAfter: then cut)
 *   {headLength: n}       a HEAD is answered with Content-Length n (a server saying the file is
 *                         that large); a GET gets the file as it is
 *   {barrier: n}          (with a file, slow or not) headers at once, the bodies once n requests
 *                         for the path are waiting: concurrent downloads, deterministically
 * log entries: {method, path, url (with query), headers, t}; entries of served bodies get
 * `end` (ms) when the last byte was written, and every entry `closed` (ms) once its response is
 * over (sent, or its connection gone).
 */
export async function startServer(mounts, {
  isolated = true, cacheControl = 'no-store', host = '127.0.0.1', port = 0, log: keepLog = true,
} = {}) {
  const log = [];
  const faults = new Map();
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const barriers = new Map();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let pathname;
    try { pathname = decodeURIComponent(url.pathname); } catch {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('bad request');
      return;
    }
    const entry = { method: req.method, path: pathname, url: req.url, headers: { ...req.headers }, t: Date.now() };
    if (keepLog) log.push(entry);
    res.on('close', () => { entry.closed = Date.now(); });
    const headers = isolated ? {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': cacheControl,
    } : { 'Cache-Control': cacheControl };
    const fault = faults.get(pathname);
    if (req.method === 'HEAD' && fault?.headLength !== undefined) {
      res.writeHead(200, { ...headers, 'Content-Type': 'application/octet-stream', 'Content-Length': fault.headLength });
      res.end();
      return;
    }
    if (fault?.status) {
      res.writeHead(fault.status, { ...headers, 'Content-Type': 'text/plain' });
      res.end(`injected ${fault.status}`);
      return;
    }
    if (fault?.drop) { req.socket.destroy(); return; }
    if (fault?.body !== undefined) {
      const body = Buffer.from(fault.body);
      res.writeHead(fault.bodyStatus || 200, { ...headers, 'Content-Type': fault.type || 'text/html; charset=utf-8', 'Content-Length': body.length });
      res.end(body);
      return;
    }
    const prefix = prefixes.find((p) => pathname.startsWith(p));
    let file = prefix && path.join(mounts[prefix], pathname.slice(prefix.length));
    if (file && !path.resolve(file).startsWith(path.resolve(mounts[prefix]))) file = null;
    if (file && fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!file || !fs.existsSync(file)) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    // Read whole only when a fault changes or paces the body; else streamed (a 443 MB model).
    const inMemory = ['truncate', 'corruptAt', 'dropAfter', 'slow'].some((k) => fault?.[k] !== undefined);
    let body = inMemory ? fs.readFileSync(file) : null;
    if (fault?.truncate !== undefined) body = body.subarray(0, fault.truncate);
    if (fault?.corruptAt !== undefined) { body = Buffer.from(body); body[fault.corruptAt] ^= 0xff; }
    res.writeHead(200, {
      ...headers,
      'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
      'Content-Length': body ? body.length : fs.statSync(file).size,
    });
    if (req.method === 'HEAD') { res.end(); return; }
    if (fault?.barrier) {
      // The headers at once (Chromium holds a second request for a URL until the first one's
      // headers came), the body once `barrier` requests for this path are waiting.
      res.flushHeaders();
      const queue = barriers.get(pathname) || [];
      barriers.set(pathname, queue);
      queue.push((now) => { entry.released = now; send(); });
      if (queue.length >= fault.barrier) {
        // One release time for all: starting the first body can take past a millisecond tick.
        const now = Date.now();
        barriers.delete(pathname);
        for (const go of queue) go(now);
      }
      return;
    }
    send();

    function send() {
      if (fault?.dropAfter !== undefined && !fault.slow) {
        // Flushes the first bytes, then cuts the connection mid-body.
        res.write(body.subarray(0, fault.dropAfter), () => setTimeout(() => req.socket.destroy(), 20));
        return;
      }
      if (fault?.slow) {
        const { bytesPerTick, ms } = fault.slow;
        let at = 0;
        let timer = 0;
        const tick = () => {
          if (res.destroyed) return;
          const end = Math.min(body.length, at + bytesPerTick, fault.dropAfter ?? Infinity);
          res.write(body.subarray(at, end));
          at = end;
          if (at === fault.dropAfter) { res.write('', () => setTimeout(() => req.socket.destroy(), 20)); return; }
          if (at >= body.length) { res.end(); entry.end = Date.now(); } else timer = setTimeout(tick, ms);
        };
        res.on('close', () => clearTimeout(timer));
        tick();
        return;
      }
      if (body) { res.end(body, () => { entry.end = Date.now(); }); return; }
      const stream = fs.createReadStream(file);
      stream.on('error', () => res.destroy());
      res.on('finish', () => { entry.end = Date.now(); });
      stream.pipe(res);
    }
  });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(port, host, resolve); });
  const bound = server.address();
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound.port}`,
    log,
    faults,
    /** requests whose path matches re, since index `from` of the log */
    requests: (re, from = 0) => log.slice(from).filter((e) => re.test(e.path)),
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

// `node scripts/serve.mjs [DIR] [--host H] [--port P]`: serves DIR (default dist) until Ctrl-C.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args.splice(i, 2)[1] : dflt; };
  const host = opt('host', process.env.HOST || '127.0.0.1');
  const port = Number(opt('port', process.env.PORT || 8080));
  const dir = path.resolve(args[0] || 'dist');
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    console.error(`serve.mjs: directory not found: ${dir}`);
    process.exit(1);
  }
  const s = await startServer({ '/': dir }, { host, port, log: false });
  console.log(`Serving ${dir} at ${s.url}/ (COOP/COEP enabled; Ctrl-C to stop)`);
}
