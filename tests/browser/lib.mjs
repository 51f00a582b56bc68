// Small helpers shared by the scripts: a tolerant HTML tag reader, entity decoding, the site's
// sample pages, and how to launch the system Chromium.

import fs from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '..', '..');
/** The base path the site is served under; KWIKI_BASE overrides it (`/` for a domain root). */
export const BASE = process.env.KWIKI_BASE || '/kpop-wiki/';

// ---------------------------------------------------------------------------------------------
// HTML

const NAMED = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', ndash: '–', mdash: '—', hellip: '…' };

/** Decodes the character references that can appear in attribute values and text. */
export function decodeEntities(s) {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z][a-z0-9]*);/gi, (whole, ref) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      try {
        return String.fromCodePoint(code);
      } catch {
        return whole;
      }
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}

const TAG = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<!(?:[^>]*)>|<\/([a-zA-Z][^\s/>]*)[^>]*>|<([a-zA-Z][^\s/>]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g;
const ATTR = /([^\s"'=<>`/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title']);

/**
 * The start tags of a document in order: [{ name, attrs: {name: decodedValue}, index, text? }].
 * The contents of script/style/textarea/title are skipped (and kept as `text` on the tag).
 */
export function parseTags(html) {
  const tags = [];
  TAG.lastIndex = 0;
  let m;
  while ((m = TAG.exec(html))) {
    if (!m[2]) continue; // comment, doctype or end tag
    const name = m[2].toLowerCase();
    const attrs = {};
    ATTR.lastIndex = 0;
    let a;
    while ((a = ATTR.exec(m[3] ?? ''))) {
      const key = a[1].toLowerCase();
      if (key in attrs) continue; // the first occurrence wins, as in browsers
      attrs[key] = decodeEntities(a[2] ?? a[3] ?? a[4] ?? '');
    }
    const tag = { name, attrs, index: m.index };
    if (RAW_TEXT.has(name) && !m[0].endsWith('/>')) {
      const end = html.toLowerCase().indexOf(`</${name}`, TAG.lastIndex);
      const stop = end === -1 ? html.length : end;
      tag.text = html.slice(TAG.lastIndex, stop);
      TAG.lastIndex = stop;
    }
    tags.push(tag);
  }
  return tags;
}

/** Plain text of an HTML fragment (tags dropped, entities decoded, whitespace collapsed). */
export function textOf(fragment) {
  return decodeEntities(fragment.replace(/<[^>]*>/g, '')).replace(/\s+/g, ' ').trim();
}

/** The text of the first <h1> of a document, or null. */
export function h1Of(html) {
  const m = /<h1\b[^>]*>([\s\S]*?)<\/h1>/i.exec(html);
  return m ? textOf(m[1]) : null;
}

// ---------------------------------------------------------------------------------------------
// The site

/** Kind folders: top-level directories with an index.html that are not generated sections. */
export function kindFolders(siteDir) {
  const generated = new Set(['categories', 'special', 'disambiguation', 'search', 'recent-changes']);
  const home = fs.readFileSync(path.join(siteDir, 'index.html'), 'utf8');
  // Keep the order of the site's own navigation where possible.
  const order = [];
  for (const t of parseTags(home)) {
    const m = t.name === 'a' && /^\/kpop-wiki\/([^/]+)\/$/.exec(t.attrs.href ?? '');
    if (m && !order.includes(m[1])) order.push(m[1]);
  }
  const dirs = fs
    .readdirSync(siteDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !generated.has(d.name) && fs.existsSync(path.join(siteDir, d.name, 'index.html')))
    .map((d) => d.name);
  return dirs.sort((a, b) => (order.indexOf(a) + 1 || 1e9) - (order.indexOf(b) + 1 || 1e9) || a.localeCompare(b));
}

/** True when a built page is a redirect stub (meta refresh), not an article. */
export function isRedirectStub(siteDir, urlPath) {
  const file = path.join(siteDir, decodeURIComponent(urlPath.slice(BASE.length)), 'index.html');
  try {
    return /<meta\s+http-equiv="refresh"/i.test(fs.readFileSync(file, 'utf8'));
  } catch {
    return true;
  }
}

/** The first article linked from a kind index page (its listing is in title order). */
export function firstArticle(siteDir, folder) {
  const html = fs.readFileSync(path.join(siteDir, folder, 'index.html'), 'utf8');
  const main = html.slice(html.indexOf('<main'));
  for (const t of parseTags(main)) {
    const href = t.name === 'a' ? t.attrs.href ?? '' : '';
    if (new RegExp(`^${BASE}${folder}/[^/]+/$`).test(href) && !isRedirectStub(siteDir, href)) return href;
  }
  return null;
}

/** The first article (in kind, then file order) whose HTML contains `marker`: a page with a
 * timeline picture, a query table or a navigation box, for the checks that sample pages. */
export function firstArticleWith(siteDir, marker) {
  for (const folder of kindFolders(siteDir)) {
    const dir = path.join(siteDir, folder);
    for (const slug of fs.readdirSync(dir).sort()) {
      const file = path.join(dir, slug, 'index.html');
      if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes(marker)) return `${BASE}${folder}/${slug}/`;
    }
  }
  return null;
}

/** The first category page linked from the categories index. */
export function firstCategory(siteDir) {
  const html = fs.readFileSync(path.join(siteDir, 'categories', 'index.html'), 'utf8');
  const main = html.slice(html.indexOf('<main'));
  for (const t of parseTags(main)) {
    const href = t.name === 'a' ? t.attrs.href ?? '' : '';
    if (new RegExp(`^${BASE}categories/[^/]+/$`).test(href)) return href;
  }
  return null;
}

/** A URL path under the base that no page lives at. */
export const MISSING = `${BASE}no-such-page-${'x'.repeat(8)}/`;

// ---------------------------------------------------------------------------------------------
// Chromium

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches headless Chromium through playwright-core, never downloading a browser. */
export async function launchChromium() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (set CHROMIUM)`);
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

/** Reads the site directory argument or exits with usage. */
export function siteDirArg(script) {
  const dir = process.argv[2];
  if (!dir || !fs.existsSync(path.join(dir, 'index.html'))) {
    console.error(`usage: node ${script} <siteDir>   (a built site: <siteDir>/index.html must exist)`);
    process.exit(2);
  }
  return path.resolve(dir);
}

/** Kills the script if it runs longer than `seconds` (so a hung browser cannot hang cargo test). */
export function watchdog(script, seconds) {
  setTimeout(() => {
    console.error(`${script}: gave up after ${seconds} s`);
    process.exit(3);
  }, seconds * 1000).unref();
}

/** Polls `read` until `ok(value)` or `ms` pass; returns the last value. */
export async function until(read, ok, ms) {
  const end = Date.now() + ms;
  let v = await read();
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    v = await read();
  }
  return v;
}

/** In the page (`page.evaluate(countOverlaps, selector)`): how many pairs of the SVG texts
 * `selector` finds have overlapping boxes. Self-contained, since it runs in the browser. */
export function countOverlaps(selector) {
  const boxes = [...document.querySelectorAll(selector)].map((t) => t.getBBox());
  let n = 0;
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) n++;
    }
  return n;
}

/** Named steps that record their failure and go on: `await step('name', async () => ...)`. */
export function stepper() {
  const failures = [];
  const step = async (name, fn) => {
    try {
      await fn();
      console.log(`ok   ${name}`);
    } catch (e) {
      failures.push(`${name}: ${e.message}`);
      console.log(`FAIL ${name}: ${e.message}`);
    }
  };
  return { failures, step };
}

/** Starts `kwiki serve --port 0` on `root`; resolves with the process, its origin and its log
 * so far (`log()`), once it says where it listens. */
export async function startServe(bin, root) {
  const server = spawn(bin, ['serve', '--port', '0', '--root', root], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  server.stdout.on('data', (d) => { log += d; });
  server.stderr.on('data', (d) => { log += d; });
  const origin = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kwiki serve did not start:\n${log}`)), 30000);
    const poll = setInterval(() => {
      const m = log.match(/at (http:\/\/[^ ]+?)\/? \(Ctrl-C/);
      if (m) { clearInterval(poll); clearTimeout(timer); resolve(m[1]); }
    }, 50);
  });
  return { server, origin, log: () => log };
}
