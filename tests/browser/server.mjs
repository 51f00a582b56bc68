// A static file server that behaves like GitHub Pages for a project site: the built wiki is
// served under its base path (/kpop-wiki/), a directory answers with its index.html, `/x` redirects
// to `/x/` when x is a directory, and a missing file answers 404 with the body of 404.html.
//
//   import { serve } from './server.mjs';
//   const server = await serve('/tmp/site');   // server.url === 'http://127.0.0.1:PORT/kpop-wiki/'
//   await server.close();
//
// By hand: node server.mjs <siteDir> [port]

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { pathToFileURL } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

/** The Content-Type GitHub Pages would send for a file name. */
export function contentType(file) {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function isDir(p) {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Serves `siteDir` under `base` on 127.0.0.1. Resolves to { url, origin, port, close() }, where
 * `url` is the site's home (origin + base).
 */
export function serve(siteDir, { base = '/kpop-wiki/', port = 0, host = '127.0.0.1', log = false } = {}) {
  const root = fs.realpathSync(path.resolve(siteDir));
  if (!base.startsWith('/') || !base.endsWith('/')) throw new Error(`base must start and end with '/': ${base}`);
  const notFoundPage = path.join(root, '404.html');

  const server = http.createServer((req, res) => {
    const started = Date.now();
    const done = (status) => {
      if (log) console.log(`${status} ${req.method} ${req.url} ${Date.now() - started}ms`);
    };
    const send = (status, headers, body) => {
      const head = req.method === 'HEAD';
      const type = headers['Content-Type'] ?? '';
      const compressible = /^(text\/|application\/(json|xml|manifest)|image\/svg)/.test(type);
      if (body && compressible && body.length > 256 && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
        body = zlib.gzipSync(body);
        headers['Content-Encoding'] = 'gzip';
        headers.Vary = 'Accept-Encoding';
      }
      if (body) headers['Content-Length'] = body.length;
      res.writeHead(status, headers);
      res.end(head ? undefined : body);
      done(status);
    };
    const notFound = () => {
      // GitHub Pages answers any missing path of a project site with the project's 404.html.
      if (isFile(notFoundPage)) {
        send(404, { 'Content-Type': TYPES['.html'] }, fs.readFileSync(notFoundPage));
      } else {
        send(404, { 'Content-Type': TYPES['.txt'] }, Buffer.from('404 Not Found\n'));
      }
    };

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(405, { Allow: 'GET, HEAD', 'Content-Type': TYPES['.txt'] }, Buffer.from('405 Method Not Allowed\n'));
    }
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const rawPath = q === -1 ? raw : raw.slice(0, q);
    const query = q === -1 ? '' : raw.slice(q);

    if (rawPath === base.slice(0, -1)) {
      return send(301, { Location: base + query, 'Content-Type': TYPES['.txt'] }, Buffer.from('301\n'));
    }
    if (!rawPath.startsWith(base)) {
      // Outside the project: on GitHub Pages that is some other site's business.
      return send(404, { 'Content-Type': TYPES['.txt'] }, Buffer.from(`404: not under ${base}\n`));
    }

    let rel;
    try {
      rel = decodeURIComponent(rawPath.slice(base.length));
    } catch {
      return send(400, { 'Content-Type': TYPES['.txt'] }, Buffer.from('400 Bad Request: malformed percent-encoding\n'));
    }
    // Refuse traversal outright rather than normalising it away: no `..` segment, no NUL, no
    // backslash, and the resolved path must stay inside the root.
    const segments = rel.split('/');
    if (rel.includes('\0') || rel.includes('\\') || segments.includes('..')) {
      return send(403, { 'Content-Type': TYPES['.txt'] }, Buffer.from('403 Forbidden\n'));
    }
    const target = path.resolve(root, rel);
    if (target !== root && !target.startsWith(root + path.sep)) {
      return send(403, { 'Content-Type': TYPES['.txt'] }, Buffer.from('403 Forbidden\n'));
    }
    let real;
    try {
      real = fs.realpathSync(target);
    } catch {
      real = null;
    }
    if (real && real !== root && !real.startsWith(root + path.sep)) {
      return send(403, { 'Content-Type': TYPES['.txt'] }, Buffer.from('403 Forbidden\n'));
    }

    let file = null;
    if (real && isDir(real)) {
      if (!rawPath.endsWith('/')) {
        return send(301, { Location: rawPath + '/' + query, 'Content-Type': TYPES['.txt'] }, Buffer.from('301\n'));
      }
      if (isFile(path.join(real, 'index.html'))) file = path.join(real, 'index.html');
    } else if (real && isFile(real)) {
      if (rawPath.endsWith('/')) return notFound();
      file = real;
    } else if (!rawPath.endsWith('/') && isFile(target + '.html')) {
      // GitHub Pages serves /x from x.html.
      file = target + '.html';
    }
    if (!file) return notFound();

    send(200, { 'Content-Type': contentType(file), 'Cache-Control': 'max-age=600' }, fs.readFileSync(file));
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      const origin = `http://${host}:${actual}`;
      resolve({
        url: origin + base,
        origin,
        base,
        port: actual,
        root,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [dir, port] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: node server.mjs <siteDir> [port]');
    process.exit(2);
  }
  const server = await serve(dir, { port: Number(port ?? 0), log: true });
  console.log(`Serving ${server.root} at ${server.url} (Ctrl-C to stop)`);
}
