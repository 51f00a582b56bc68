// Crawls the built site over HTTP (through server.mjs) and fails on any broken internal link.
//
//   node crawl.mjs <siteDir>
//
// Starts at the home page, at a missing URL (which must answer 404 with the 404 page) and at every
// file in the site directory. Reads every href, src, srcset, poster, form action and meta refresh
// in every HTML page, url() and @import in CSS, <loc> in XML, `Sitemap:` in robots.txt and
// base-path strings in JSON, and fetches every internal URL once, without following redirects.
// Fails (exit 1, listing page → link) on:
//   - an internal URL that does not answer 200 (a 301 to add a slash counts: link the real URL);
//   - an internal URL outside the base path /kpop-wiki/;
//   - a #fragment that is not an id (or a[name]) in the target page;
//   - a production URL (same origin as the home page's canonical link) whose path fails the above.
// External links are listed, not fetched.

import fs from 'node:fs';
import path from 'node:path';
import { serve } from './server.mjs';
import { BASE, MISSING, parseTags, decodeEntities, siteDirArg, watchdog } from './lib.mjs';

const siteDir = siteDirArg('crawl.mjs');
watchdog('crawl.mjs', 300);
const t0 = Date.now();
const server = await serve(siteDir, { base: BASE });
const origin = server.origin;

/** url (no fragment) → { status, location, ids: Set, html } */
const fetched = new Map();
/** Every link seen: { from, raw, url, fragment, production } */
const links = [];
/** external url → { count, from } */
const external = new Map();
const problems = [];
let productionOrigin = null;

function walk(dir, rel = '') {
  const out = [];
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...walk(path.join(dir, d.name), r));
    else out.push(r);
  }
  return out;
}

function fileUrl(rel) {
  const parts = rel.split('/').map(encodeURIComponent);
  if (parts.at(-1) === 'index.html') parts[parts.length - 1] = '';
  return origin + BASE + parts.join('/');
}

const shortUrl = (u) => (u.startsWith(origin) ? u.slice(origin.length) : u);

/** Records a link found on page `from` (a full local URL). */
function addLink(from, raw, resolveAgainst = from) {
  raw = raw.trim();
  if (/^(mailto|tel|javascript|data|blob|about):/i.test(raw)) return;
  let u;
  try {
    u = new URL(raw, resolveAgainst);
  } catch {
    problems.push(`${shortUrl(from)} → ${raw}: not a valid URL`);
    return;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return;
  let isProduction = false;
  if (u.origin !== origin) {
    if (productionOrigin && u.origin === productionOrigin) {
      isProduction = true;
      u = new URL(u.pathname + u.search + u.hash, origin);
    } else {
      const key = u.href;
      const e = external.get(key) ?? { count: 0, from: shortUrl(from) };
      e.count++;
      external.set(key, e);
      return;
    }
  }
  const fragment = u.hash ? u.hash.slice(1) : null;
  u.hash = '';
  links.push({ from, raw, url: u.href, fragment, production: isProduction });
}

function linksOfHtml(pageUrl, html) {
  const ids = new Set();
  let baseHref = pageUrl;
  for (const t of parseTags(html)) {
    const a = t.attrs;
    if (a.id !== undefined) ids.add(a.id);
    if (t.name === 'a' && a.name !== undefined) ids.add(a.name);
    if (t.name === 'base' && a.href) baseHref = new URL(a.href, pageUrl).href;
    for (const key of ['href', 'src', 'poster', 'data', 'action']) {
      if (a[key] === undefined) continue;
      if (key === 'data' && t.name !== 'object') continue;
      if (key === 'action' && t.name !== 'form') continue;
      if (t.name === 'base') continue;
      addLink(baseHref, a[key]);
    }
    for (const key of ['srcset', 'imagesrcset']) {
      if (!a[key]) continue;
      for (const candidate of a[key].split(/,\s+/)) {
        const src = candidate.trim().split(/\s+/)[0];
        if (src) addLink(baseHref, src);
      }
    }
    if (t.name === 'meta') {
      const equiv = (a['http-equiv'] ?? '').toLowerCase();
      if (equiv === 'refresh') {
        const m = /url\s*=\s*['"]?([^'"]+)/i.exec(a.content ?? '');
        if (m) addLink(baseHref, m[1]);
      }
      // og:url and friends point at the production host: checked by path, like <link rel=canonical>.
      const prop = (a.property ?? a.name ?? '').toLowerCase();
      if (['og:url', 'og:image', 'twitter:image'].includes(prop) && a.content) addLink(baseHref, a.content);
    }
  }
  return ids;
}

function linksOfText(pageUrl, type, body) {
  if (type.startsWith('text/css')) {
    const re = /url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')/g;
    let m;
    while ((m = re.exec(body))) {
      const u = m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5];
      if (u && !u.startsWith('#')) addLink(pageUrl, u);
    }
  } else if (type.includes('xml')) {
    for (const m of body.matchAll(/<loc>\s*([^<]*?)\s*<\/loc>|<xhtml:link\b[^>]*\bhref="([^"]*)"/g)) {
      addLink(pageUrl, decodeEntities(m[1] ?? m[2]));
    }
  } else if (pageUrl.endsWith('/robots.txt')) {
    for (const m of body.matchAll(/^\s*Sitemap:\s*(\S+)/gim)) addLink(pageUrl, m[1]);
  } else if (type.startsWith('application/json') || type.startsWith('application/manifest+json')) {
    let data;
    try {
      data = JSON.parse(body);
    } catch (e) {
      problems.push(`${shortUrl(pageUrl)}: invalid JSON: ${e.message}`);
      return;
    }
    // Absolute paths under the base, and relative directory paths like "groups/bts/" (the
    // search index stores page paths relative to the base), which resolve against the base.
    const visit = (v) => {
      if (typeof v === 'string') {
        if (v.startsWith(BASE) && !/\s/.test(v)) addLink(pageUrl, v);
        else if (/^(?:[\w%.-]+\/)+$/.test(v) && !v.startsWith('.')) addLink(pageUrl, v, origin + BASE);
      } else if (v && typeof v === 'object') {
        for (const x of Object.values(v)) visit(x);
      }
    };
    visit(data);
  }
}

async function fetchOne(url) {
  const res = await fetch(url, { redirect: 'manual' });
  const type = res.headers.get('content-type') ?? '';
  const body = await res.text();
  const entry = { status: res.status, location: res.headers.get('location'), type, ids: new Set() };
  fetched.set(url, entry);
  if (type.startsWith('text/html')) entry.ids = linksOfHtml(url, body);
  else if (res.status === 200) linksOfText(url, type, body);
  return { entry, body };
}

// The production origin, so that canonical and og:url links can be checked by path.
{
  const home = fs.readFileSync(path.join(siteDir, 'index.html'), 'utf8');
  const canonical = parseTags(home).find((t) => t.name === 'link' && /\bcanonical\b/i.test(t.attrs.rel ?? ''));
  if (canonical?.attrs.href) {
    const u = new URL(canonical.attrs.href);
    if (u.pathname === BASE) productionOrigin = u.origin;
    else problems.push(`${BASE} → ${canonical.attrs.href}: the home page's canonical URL should end in ${BASE}`);
  }
}

// Seeds: the home page, a missing page, every file.
const seeds = [origin + BASE, ...walk(siteDir).map(fileUrl)];
const missing = origin + MISSING;
{
  const { entry, body } = await fetchOne(missing);
  const expected = fs.existsSync(path.join(siteDir, '404.html')) ? fs.readFileSync(path.join(siteDir, '404.html'), 'utf8') : null;
  if (entry.status !== 404) problems.push(`${MISSING}: a missing page answered ${entry.status}, expected 404`);
  if (expected === null) problems.push('404.html: missing from the site root');
  else if (body !== expected) problems.push(`${MISSING}: the 404 response is not the body of 404.html`);
}

const queue = [...new Set(seeds)];
const queued = new Set(queue);
let linkCursor = 0;
const CONCURRENCY = 8;
while (queue.length || linkCursor < links.length) {
  while (linkCursor < links.length) {
    const { url } = links[linkCursor++];
    if (!queued.has(url) && new URL(url).pathname.startsWith(BASE)) {
      queued.add(url);
      queue.push(url);
    }
  }
  const batch = queue.splice(0, CONCURRENCY).filter((u) => !fetched.has(u));
  await Promise.all(
    batch.map((u) =>
      fetchOne(u).catch((e) => {
        fetched.set(u, { status: 0, error: e.message, ids: new Set() });
      }),
    ),
  );
}

for (const seed of seeds) {
  const e = fetched.get(seed);
  if (e && e.status !== 200) problems.push(`(file in site dir) → ${shortUrl(seed)}: ${describe(e)}`);
}

function describe(e) {
  if (e.status === 0) return `request failed: ${e.error}`;
  if (e.location) return `${e.status} → ${e.location}`;
  return String(e.status);
}

const seenProblem = new Set();
for (const l of links) {
  const target = new URL(l.url);
  const label = `${shortUrl(l.from)} → ${l.raw}${l.production ? ' (production URL, checked by path)' : ''}`;
  let msg = null;
  if (!target.pathname.startsWith(BASE)) {
    msg = `internal URL outside ${BASE}`;
  } else {
    const e = fetched.get(l.url);
    const samePage = l.url === new URL(l.from).href.replace(/#.*/, '');
    if (!e) msg = 'not fetched (crawler bug)';
    else if (e.status !== 200 && !samePage) msg = describe(e); // the 404 page may link to itself
    else if (l.fragment !== null) {
      let frag;
      try {
        frag = decodeURIComponent(l.fragment);
      } catch {
        frag = l.fragment;
      }
      const isTop = frag === '' || frag.toLowerCase() === 'top';
      if (!e.type.startsWith('text/html')) msg = `#${frag} on a non-HTML resource`;
      else if (!e.ids.has(frag) && !isTop) msg = `no element with id or name "${frag}" in ${target.pathname}`;
    }
  }
  if (msg && !seenProblem.has(`${label}: ${msg}`)) {
    seenProblem.add(`${label}: ${msg}`);
    problems.push(`${label}: ${msg}`);
  }
}

await server.close();

const htmlPages = [...fetched.values()].filter((e) => e.type?.startsWith('text/html') && e.status === 200).length;
console.log(
  `crawl: ${fetched.size} URLs fetched (${htmlPages} HTML pages answering 200), ${links.length} internal links checked, ` +
    `${external.size} external URLs, ${problems.length} problems, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
);
if (external.size) {
  // Grouped by host; every URL with --verbose.
  const verbose = process.argv.includes('--verbose');
  const byHost = new Map();
  for (const [u, e] of [...external].sort()) {
    const host = new URL(u).host;
    if (!byHost.has(host)) byHost.set(host, []);
    byHost.get(host).push([u, e]);
  }
  console.log('External links (listed, not fetched):');
  for (const [host, list] of byHost) {
    console.log(`  ${host}: ${list.length} URLs, ${list.reduce((n, [, e]) => n + e.count, 0)} links`);
    for (const [u, e] of verbose ? list : list.slice(0, 3)) console.log(`    ${u}  (${e.count}×, first on ${e.from})`);
    if (!verbose && list.length > 3) console.log(`    … ${list.length - 3} more (--verbose lists all)`);
  }
}
if (problems.length) {
  console.log('FAILED:');
  for (const p of problems) console.log(`  ${p}`);
  process.exit(1);
}
