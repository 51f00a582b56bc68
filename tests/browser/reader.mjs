// The reader's wiki (issue 22): search that is right, citations, pages that read well on a
// desktop and on a phone, in headless Chromium on the real wiki.
//
//   node reader.mjs <siteDir>
//
// Each check prints ok / FAIL (with the reason). During every check, a console error, an
// uncaught page error, or a request to the local server that fails or answers >= 400 fails it
// (except where a check expects a 404: the missing-page check). Any request that leaves the
// local server fails too.

import fs from 'node:fs';
import path from 'node:path';
import { serve } from './server.mjs';
import { BASE, firstArticle, kindFolders, launchChromium, parseTags, siteDirArg, watchdog, until as untilIn, countOverlaps } from './lib.mjs';

const siteDir = siteDirArg('reader.mjs');

// Where the wiki sends a name (a title, an alias, or a section alias: page and heading), read
// from the site's own search index.
const searchIndex = JSON.parse(fs.readFileSync(path.join(siteDir, 'search', 'index.json'), 'utf8'));
const expectedFor = (name) => {
  const n = name.toLowerCase();
  for (const [title, , p, aliases, , anchors] of searchIndex.docs) {
    if (title.toLowerCase() === n) return { title, url: BASE + p };
    const i = aliases.findIndex((a) => a.toLowerCase() === n);
    if (i >= 0) return { title, url: BASE + p + (anchors && anchors[i] ? '#' + encodeURIComponent(anchors[i]) : '') };
  }
  return { title: name, url: null };
};

// The page whose picture carries the most relation labels: where labels could collide.
const busiestPicture = (() => {
  let best = null, most = -1;
  const walk = (dir, rel) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name), rel + e.name + '/');
      else if (e.name === 'index.html') {
        const html = fs.readFileSync(path.join(dir, e.name), 'utf8');
        const edges = html.match(/<g class="edges"[^>]*>([\s\S]*?)<\/g>/);
        const n = edges ? (edges[1].match(/<text /g) || []).length : 0;
        if (n > most) { most = n; best = rel; }
      }
    }
  };
  walk(siteDir, '');
  return best || '';
})();
watchdog('reader.mjs', 420);
const t0 = Date.now();
const WAIT = 8000;

const server = await serve(siteDir, { base: BASE });
const origin = server.origin;
const browser = await launchChromium();

const results = [];
let current = null;

async function check(name, fn) {
  const started = Date.now();
  current = { problems: [], expect404: false };
  let error = null;
  try {
    await fn(current);
  } catch (e) {
    error = (e?.message ?? String(e)).split('\n')[0];
  }
  await new Promise((r) => setTimeout(r, 100));
  const detail = [error, ...current.problems].filter(Boolean).join('; ');
  current = null;
  results.push({ name, ok: !detail, detail, ms: Date.now() - started });
  console.log(`${detail ? 'FAIL' : 'ok  '}  ${name}${detail ? ` — ${detail}` : ''}`);
}

function fail(message) {
  throw new Error(message);
}

const DESKTOP = { viewport: { width: 1280, height: 900 } };
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

async function newPage(options = {}) {
  const context = await browser.newContext({ colorScheme: 'light', reducedMotion: 'reduce', ...DESKTOP, ...options });
  context.setDefaultTimeout(5000);
  context.on('console', (msg) => {
    if (msg.type() !== 'error' || !current) return;
    if (/^Failed to load resource/.test(msg.text())) return; // reported by the response handler
    current.problems.push(`console error: ${msg.text()}`);
  });
  context.on('weberror', (err) => current?.problems.push(`page error: ${err.error().message}`));
  context.on('request', (req) => {
    const url = req.url();
    if (current && !url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('about:')) {
      current.problems.push(`request outside the site: ${url}`);
    }
  });
  context.on('response', (res) => {
    if (current && res.url().startsWith(origin) && res.status() >= 400 && !(current.expect404 && res.status() === 404)) {
      current.problems.push(`HTTP ${res.status()} for ${res.url().slice(origin.length)}`);
    }
  });
  const page = await context.newPage();
  page.close = () => context.close();
  return page;
}

const at = (p) => origin + BASE + p;
const h1 = async (page) => ((await page.locator('h1').first().textContent({ timeout: WAIT })) ?? '').trim();
const until = (read, ok, ms = WAIT) => untilIn(read, ok, ms);
const OPTIONS = '#search-results [role=option]';
const optionTexts = (page) => page.locator(OPTIONS).evaluateAll((els) => els.map((e) => e.textContent.replace(/\s+/g, ' ').trim()));

/** Types `query` into the header search box of `page` and presses Enter at once. */
async function typeAndEnter(page, query) {
  await page.locator('#search-input').focus();
  await page.keyboard.type(query);
  const from = page.url();
  await Promise.all([page.waitForURL((u) => u.href !== from, { timeout: WAIT }), page.keyboard.press('Enter')]);
  await page.waitForLoadState('load');
}

/** Waits until the header list shows an option containing `title`; returns the options. */
async function searchFor(page, query, title) {
  await page.locator('#search-input').fill('');
  await page.locator('#search-input').focus();
  await page.keyboard.type(query);
  const found = await until(() => optionTexts(page).catch(() => []), (o) => o.some((t) => t.startsWith(title)));
  if (!found.some((t) => t.startsWith(title))) fail(`"${query}": options are ${found.map((t) => `"${t}"`).join(', ') || 'none'}`);
  return found;
}

/** CIELAB of a CSS `rgb(r, g, b)` colour (D65). */
function lab(css) {
  const [r, g, b] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const f = (t) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const x = f((r * 0.4124 + g * 0.3576 + b * 0.1805) / 0.95047);
  const y = f(r * 0.2126 + g * 0.7152 + b * 0.0722);
  const z = f((r * 0.0193 + g * 0.1192 + b * 0.9505) / 1.08883);
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
}

/** CIEDE2000 colour difference. */
function deltaE2000([L1, a1, b1], [L2, a2, b2]) {
  const rad = Math.PI / 180;
  const C1 = Math.hypot(a1, b1), C2 = Math.hypot(a2, b2), Cb = (C1 + C2) / 2;
  const G = 0.5 * (1 - Math.sqrt(Cb ** 7 / (Cb ** 7 + 25 ** 7)));
  const a1p = (1 + G) * a1, a2p = (1 + G) * a2;
  const C1p = Math.hypot(a1p, b1), C2p = Math.hypot(a2p, b2);
  const h = (b, a) => ((Math.atan2(b, a) / rad) + 360) % 360;
  const h1p = h(b1, a1p), h2p = h(b2, a2p);
  let dh = h2p - h1p;
  if (C1p * C2p === 0) dh = 0;
  else if (dh > 180) dh -= 360;
  else if (dh < -180) dh += 360;
  const dLp = L2 - L1, dCp = C2p - C1p, dHp = 2 * Math.sqrt(C1p * C2p) * Math.sin((dh / 2) * rad);
  const Lbp = (L1 + L2) / 2, Cbp = (C1p + C2p) / 2;
  let hbp = h1p + h2p;
  if (C1p * C2p !== 0) hbp = Math.abs(h1p - h2p) <= 180 ? hbp / 2 : hbp < 360 ? (hbp + 360) / 2 : (hbp - 360) / 2;
  const T = 1 - 0.17 * Math.cos((hbp - 30) * rad) + 0.24 * Math.cos(2 * hbp * rad) + 0.32 * Math.cos((3 * hbp + 6) * rad) - 0.2 * Math.cos((4 * hbp - 63) * rad);
  const dTheta = 30 * Math.exp(-(((hbp - 275) / 25) ** 2));
  const Rc = 2 * Math.sqrt(Cbp ** 7 / (Cbp ** 7 + 25 ** 7));
  const Sl = 1 + (0.015 * (Lbp - 50) ** 2) / Math.sqrt(20 + (Lbp - 50) ** 2), Sc = 1 + 0.045 * Cbp, Sh = 1 + 0.015 * Cbp * T;
  const Rt = -Math.sin(2 * dTheta * rad) * Rc;
  return Math.sqrt((dLp / Sl) ** 2 + (dCp / Sc) ** 2 + (dHp / Sh) ** 2 + Rt * (dCp / Sc) * (dHp / Sh));
}

const read = (rel) => fs.readFileSync(path.join(siteDir, rel), 'utf8');
const htmlFiles = [];
(function walk(dir) {
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) walk(p);
    else if (d.name.endsWith('.html')) htmlFiles.push(path.relative(siteDir, p));
  }
})(siteDir);
const genericDescription = /<meta name="description" content="([^"]*)"/.exec(read('special/random/index.html'))?.[1];

try {
  // ------------------------------------------------------------------------------------------
  // Search

  await check('1. "bts" and Enter at once opens BTS', async () => {
    const page = await newPage();
    await page.goto(at(''));
    await typeAndEnter(page, 'bts');
    if ((await h1(page)) !== 'BTS') fail(`opened "${await h1(page)}" (${page.url()})`);
    await page.close();
  });

  await check('1. with the index shards slow to load, "twice" and "aespa" + Enter open the page (and section) each name leads to', async () => {
    for (const q of ['twice', 'aespa']) {
      const { title, url } = expectedFor(q);
      if (!url) { fail(`"${q}" names no page in the search index`); continue; }
      const page = await newPage();
      await page.route('**/search/t/**', async (route) => {
        await new Promise((r) => setTimeout(r, 700));
        await route.continue();
      });
      await page.goto(at(''));
      await typeAndEnter(page, q);
      if ((await h1(page)).toLowerCase() !== title.toLowerCase()) fail(`"${q}" opened "${await h1(page)}", not "${title}"`);
      const opened = new URL(page.url());
      if (opened.pathname + opened.hash !== url) fail(`"${q}" opened ${opened.pathname + opened.hash}, not ${url}`);
      await page.close();
    }
  });

  await check('2. typos: "blakpink", "jungkok", "gangam style" find their pages; the results page says "Did you mean"', async () => {
    const page = await newPage();
    await page.goto(at(''));
    await searchFor(page, 'blakpink', 'Blackpink');
    await searchFor(page, 'jungkok', 'Jungkook');
    await searchFor(page, 'gangam style', 'Gangnam Style');
    await page.goto(at('special/search/?q=blakpink'));
    const mean = page.locator('.did-you-mean');
    await mean.waitFor({ timeout: WAIT }).catch(() => fail('no .did-you-mean on the results page for "blakpink"'));
    const text = await mean.textContent();
    if (!/Did you mean/.test(text) || !/blackpink/i.test(text)) fail(`.did-you-mean says "${text}"`);
    const first = (await page.locator('.search-page-results li a').first().textContent())?.trim();
    if (first !== 'Blackpink') fail(`first result for "blakpink" is "${first}"`);
    // Exact matches rank above typo matches: "twice" (an alias) first, not a near spelling.
    await page.goto(at('special/search/?q=twice'));
    await page.locator('.search-page-results li').first().waitFor({ timeout: WAIT });
    const top = (await page.locator('.search-page-results li a').first().textContent())?.trim();
    if (top !== expectedFor('twice').title) fail(`first result for "twice" is "${top}", not "${expectedFor('twice').title}"`);
    await page.close();
  });

  await check('3. "kpop" and "k pop" find K-pop first; "choreography" finds pages that only say "choreographer"', async () => {
    const page = await newPage();
    await page.goto(at(''));
    for (const q of ['kpop', 'k pop']) {
      const found = await searchFor(page, q, 'K-pop');
      if (!found[0].startsWith('K-pop')) fail(`"${q}": first option is "${found[0]}"`);
    }
    const shard = JSON.parse(read('search/t/63-68.json'));
    const docs = JSON.parse(read('search/index.json')).docs;
    const only = (shard.choreographer ?? []).filter((id) => !(shard.choreography ?? []).includes(id)).map((id) => docs[id][0]);
    if (!only.length) fail('no page says "choreographer" without "choreography" (the check needs one)');
    await page.goto(at('special/search/?q=choreography'));
    await page.locator('.search-page-results li').first().waitFor({ timeout: WAIT });
    const listed = await page.locator('.search-page-results li > a').evaluateAll((as) => as.map((a) => a.textContent.trim()));
    const missing = only.filter((t) => !listed.includes(t));
    if (missing.length) fail(`"choreography" does not list ${missing.join(', ')}`);
    await page.close();
  });

  await check('4. results are links, with a snippet marking the words, and disambiguation pages', async () => {
    const page = await newPage();
    await page.goto(at(''));
    await searchFor(page, 'bts', 'BTS');
    await until(() => optionTexts(page), (o) => o[0]?.startsWith('BTS'));
    const links = await page.locator(OPTIONS).evaluateAll((els) => els.map((e) => (e.tagName === 'A' ? e.getAttribute('href') : null)));
    if (links.some((h) => !h)) fail(`options that are not links: ${links.filter((h) => !h).length} of ${links.length}`);
    // Ctrl-click opens a new tab and leaves this one where it is.
    const [popup] = await Promise.all([page.context().waitForEvent('page', { timeout: WAIT }), page.locator(OPTIONS).first().click({ modifiers: ['Control'] })]);
    await popup.waitForLoadState('load');
    if (new URL(popup.url()).pathname !== `${BASE}groups/bts/`) fail(`Ctrl-click opened ${popup.url()}`);
    await page.goto(at('special/search/?q=debut'));
    await page.locator('.search-page-results li').first().waitFor({ timeout: WAIT });
    const marks = await page.locator('.search-page-results li mark').count();
    if (!marks) fail('no <mark> in the results for "debut"');
    await page.goto(at('special/search/?q=seven'));
    await page.locator('.search-page-results li').first().waitFor({ timeout: WAIT });
    const hrefs = await page.locator('.search-page-results li > a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    if (!hrefs.some((h) => h.includes('/disambiguation/'))) fail(`"seven" lists no disambiguation page: ${hrefs.join(', ')}`);
    await page.close();
  });

  await check('5. a Hangul query requests no missing file and says that nothing matches', async () => {
    const page = await newPage();
    await page.goto(at(''));
    await page.locator('#search-input').focus();
    await page.keyboard.type('방탄소년단');
    const texts = await until(() => optionTexts(page).catch(() => []), (o) => o.some((t) => /No page matches/.test(t)));
    if (!texts.some((t) => /No page matches/.test(t))) fail(`options: ${texts.join(' | ') || 'none'}`);
    await page.waitForTimeout(300);
    await page.close();
  });

  await check('6. Escape keeps the query; Enter on an empty box does nothing; no "(press /)" on a touch screen', async () => {
    const page = await newPage();
    await page.goto(at(''));
    await searchFor(page, 'bts', 'BTS');
    await page.keyboard.press('Escape');
    if (!(await page.locator('#search-results').isHidden())) fail('the list is still shown after Escape');
    const value = await page.inputValue('#search-input');
    if (value !== 'bts') fail(`after Escape the box holds "${value}"`);
    await page.locator('#search-input').fill('');
    const before = page.url();
    await page.keyboard.press('Enter');
    await page.waitForTimeout(500);
    if (page.url() !== before) fail(`Enter on an empty box went to ${page.url()}`);
    await page.close();
    const phone = await newPage(PHONE);
    await phone.goto(at(''));
    const placeholder = await phone.getAttribute('#search-input', 'placeholder');
    if (/press/i.test(placeholder)) fail(`the placeholder on a touch screen is "${placeholder}"`);
    await phone.close();
  });

  // ------------------------------------------------------------------------------------------
  // Citations

  await check('7. "Cited by" of Manufacturing Creativity lists the pages citing it, not itself', async () => {
    const html = read('sources/manufacturing-creativity/index.html');
    const section = /<section class="cited-by"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    const hrefs = parseTags(section).filter((t) => t.name === 'a').map((t) => t.attrs.href);
    if (hrefs.includes(`${BASE}sources/manufacturing-creativity/`)) fail('it lists itself');
    const citing = htmlFiles.filter((f) => {
      const h = read(f);
      const notes = /<section class="notes"[\s\S]*?<\/section>/.exec(h)?.[0] ?? '';
      return notes.includes(`href="${BASE}sources/manufacturing-creativity/"`) && !f.startsWith('sources/manufacturing-creativity/');
    });
    if (hrefs.length < citing.length) fail(`it lists ${hrefs.length} pages; ${citing.length} cite it in their notes`);
  });

  await check('8. notes show the publisher and date; a footnote marker shows its note on hover and on focus', async () => {
    const page = await newPage();
    await page.goto(at('groups/blackpink/'));
    const note = (await page.locator('#notes li').first().textContent()) ?? '';
    if (!/Korea Herald/.test(note)) fail(`the first note reads "${note.replace(/\s+/g, ' ').trim()}"`);
    // Every note citing a dated source shows its date (or year).
    const undated = [];
    for (const f of htmlFiles.filter((x) => x.startsWith('sources/') && !x.includes('/index.html/'))) {
      const h = read(f);
      const when = /<dt>(?:Date|Year)<\/dt>\s*<dd>(\d{4}[^<]*)/.exec(h)?.[1];
      if (!when || /http-equiv="refresh"/.test(h)) continue;
      const href = `${BASE}${path.dirname(f)}/`;
      for (const g of htmlFiles) {
        const notes = /<section class="notes"[\s\S]*?<\/section>/.exec(read(g))?.[0] ?? '';
        for (const li of notes.match(/<li id="fn-[\s\S]*?<\/li>/g) ?? []) {
          if (li.includes(`href="${href}"`) && !li.includes(when.trim())) undated.push(`${g} (${href}, ${when.trim()})`);
        }
      }
    }
    if (undated.length) fail(`notes without their source's date: ${undated.slice(0, 3).join(', ')}`);
    const marker = page.locator('sup.fnref a').first();
    await marker.hover();
    const tip = page.locator('#link-preview');
    await tip.waitFor({ state: 'visible', timeout: WAIT }).catch(() => fail('hovering a footnote marker shows nothing'));
    const shown = (await tip.textContent()) ?? '';
    if (!shown.includes('Blackpink at Wembley')) fail(`the preview says "${shown}"`);
    await page.keyboard.press('Escape');
    await page.mouse.move(0, 0);
    await marker.focus();
    await tip.waitFor({ state: 'visible', timeout: WAIT }).catch(() => fail('focusing a footnote marker shows nothing'));
    await page.close();
  });

  // ------------------------------------------------------------------------------------------
  // Pages that read well

  await check('9. "What links here" on SM Entertainment: no entry repeated from a relation list, compact', async () => {
    const page = await newPage();
    await page.goto(at('agencies/sm-entertainment/'));
    const r = await page.evaluate(() => {
      const rel = new Set([...document.querySelectorAll('.relation a')].map((a) => a.getAttribute('href')));
      const wlh = document.querySelector('#what-links-here');
      const repeated = [...wlh.querySelectorAll('a')].map((a) => a.getAttribute('href')).filter((h) => rel.has(h));
      const content = document.querySelector('.content');
      return { repeated, wlh: wlh.getBoundingClientRect().height, total: document.documentElement.scrollHeight, content: content.getBoundingClientRect().height };
    });
    if (r.repeated.length) fail(`${r.repeated.length} entries repeat a relation list: ${r.repeated.slice(0, 3).join(', ')}`);
    if (r.wlh > r.total * 0.15) fail(`it is ${Math.round((100 * r.wlh) / r.total)}% of the page's height (content ${Math.round((100 * r.content) / r.total)}%)`);
    await page.close();
  });

  await check('10. at 1280 px: lines of at most 85 characters, a sticky contents column, numbered sub-headings', async () => {
    const page = await newPage();
    await page.goto(at('groups/blackpink/'));
    const r = await page.evaluate(() => {
      const perLine = [];
      for (const p of document.querySelectorAll('.content p')) {
        const text = p.textContent.replace(/\s+/g, ' ').trim();
        const lh = parseFloat(getComputedStyle(p).lineHeight);
        const lines = Math.round(p.getBoundingClientRect().height / lh);
        if (lines >= 3) perLine.push(Math.round(text.length / lines));
      }
      const toc = document.querySelector('.toc');
      const content = document.querySelector('.content');
      const top = [...toc.querySelectorAll(':scope ol > li, :scope > details > ol > li')].filter((li) => li.parentElement.closest('li') === null);
      return {
        perLine,
        sticky: getComputedStyle(toc).position,
        side: toc.getBoundingClientRect().right <= content.getBoundingClientRect().left,
        topLevel: top.length,
        h2: document.querySelectorAll('.content h2').length,
      };
    });
    const worst = Math.max(...r.perLine);
    if (!r.perLine.length) fail('no paragraph of three lines or more');
    if (worst > 85) fail(`up to ${worst} characters a line (${r.perLine.join(', ')})`);
    if (r.sticky !== 'sticky' || !r.side) fail(`contents: position ${r.sticky}, beside the text: ${r.side}`);
    if (r.topLevel !== r.h2) fail(`the contents' top level has ${r.topLevel} entries for ${r.h2} sections (sub-headings are counted in it)`);
    await page.close();
  });

  await check('10. at 1024 px the text starts beside the infobox (no empty gap)', async () => {
    const page = await newPage({ viewport: { width: 1024, height: 800 } });
    await page.goto(at('agencies/sm-entertainment/'));
    const r = await page.evaluate(() => {
      const box = document.querySelector('.infobox').getBoundingClientRect();
      const p = document.querySelector('.content p').getBoundingClientRect();
      const header = document.querySelector('.page-header').getBoundingClientRect();
      return { boxBottom: box.bottom, boxLeft: box.left, pTop: p.top, pRight: p.right, headerBottom: header.bottom };
    });
    if (r.pTop >= r.boxBottom) fail(`the first paragraph starts at ${Math.round(r.pTop)}, below the infobox (bottom ${Math.round(r.boxBottom)})`);
    // Nothing but a margin between the title and the text: no band left empty beside the
    // infobox or the contents.
    if (r.pTop - r.headerBottom > 60) fail(`${Math.round(r.pTop - r.headerBottom)} px between the page's title and its first paragraph`);
    await page.close();
  });

  await check('11. on a phone the lead paragraph is on the first screen, and every navigation link is reachable', async () => {
    const page = await newPage(PHONE);
    for (const p of ['agencies/sm-entertainment/', 'groups/blackpink/']) {
      await page.goto(at(p));
      const top = await page.locator('.content p').first().evaluate((e) => e.getBoundingClientRect().top);
      if (top > 740 - 60) fail(`${p}: the first paragraph starts at ${Math.round(top)} px`);
    }
    // Every link of the site navigation is on screen, or one obvious tap away.
    const menu = page.locator('.site-menu > summary');
    if (await menu.count()) await menu.click();
    const hidden = await page.locator('.site-nav a').evaluateAll((as) =>
      as.filter((a) => {
        const r = a.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return !(r.width > 0 && r.left >= 0 && r.right <= innerWidth && hit && a.contains(hit));
      }).map((a) => a.textContent.trim()),
    );
    if (hidden.length) fail(`navigation links out of reach: ${hidden.join(', ')}`);
    await page.close();
  });

  await check('12. link previews: close when the pointer leaves the preview; flip above near the bottom; own descriptions', async () => {
    const page = await newPage();
    await page.goto(at('groups/blackpink/'));
    const link = page.locator('.content a.wikilink:not(.new)').first();
    const tip = page.locator('#link-preview');
    await link.hover();
    await tip.waitFor({ state: 'visible', timeout: WAIT });
    const box = await tip.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 });
    await page.waitForTimeout(200);
    if (!(await tip.isVisible())) fail('the preview closed when the pointer moved onto it');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height + 150, { steps: 4 });
    await tip.waitFor({ state: 'hidden', timeout: 2000 }).catch(() => fail('the preview stays open after the pointer left it'));
    // A link near the bottom of the window: the preview opens above it.
    await page.mouse.move(0, 0);
    const low = await page.evaluate(() => {
      const links = [...document.querySelectorAll('.content a.wikilink:not(.new)')];
      const a = links[links.length - 1];
      a.scrollIntoView({ block: 'end' });
      window.scrollBy(0, 0);
      const r = a.getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2, top: r.top, index: links.length - 1 };
    });
    if (low.top < 900 - 120) fail(`could not bring a link to the bottom of the window (top ${low.top})`);
    await page.mouse.move(low.x, low.y);
    await tip.waitFor({ state: 'visible', timeout: WAIT });
    const above = await tip.boundingBox();
    if (above.y + above.height > low.top + 1) fail(`the preview (bottom ${Math.round(above.y + above.height)}) is not above the link (top ${Math.round(low.top)})`);
    if (above.y + above.height > 900) fail('the preview goes past the bottom of the window');
    await page.close();
    // Pages readers can reach by a link have their own description, not the site's.
    const generic = htmlFiles.filter((f) => {
      const h = read(f);
      return !/name="robots" content="noindex"/.test(h) && !/http-equiv="refresh"/.test(h) && h.includes(`<meta name="description" content="${genericDescription}"`) && f !== 'index.html';
    });
    if (generic.length) fail(`${generic.length} pages have only the site's description: ${generic.slice(0, 5).join(', ')}`);
  });

  await check('13. the network on a touch screen: a swipe scrolls, a skip link, labels apart, colours apart, caption whole', async () => {
    const page = await newPage(PHONE);
    await page.goto(at('special/network/'));
    const touchAction = await page.locator(".network-svg").evaluate((e) => getComputedStyle(e).touchAction);
    if (touchAction === "none") fail('touch-action is none before any zoom: a vertical swipe cannot scroll the page');
    const skip = page.locator('a.skip-network');
    if (!(await skip.count())) fail('no link to skip past the dots');
    const overlaps = await page.evaluate(countOverlaps, '.network-svg a:not(.minor) text');
    if (overlaps) fail(`${overlaps} pairs of labels overlap`);
    // The table's caption (or the paragraph that says what it holds) is whole on the screen.
    const caption = await page.locator('.network-table caption, .network-caption').first().evaluate((c) => {
      const r = c.getBoundingClientRect();
      return { left: r.left, right: r.right, width: innerWidth };
    });
    if (caption.left < 0 || caption.right > caption.width + 1) fail(`the caption runs from ${Math.round(caption.left)} to ${Math.round(caption.right)} px of ${caption.width}`);
    // Pinch-zoom with two fingers (Chromium's touch input), then panning stays within bounds.
    const vb = () => page.locator('.network-svg').getAttribute('viewBox').then((v) => v.split(' ').map(Number));
    const full = await vb();
    await page.locator('.network-svg').scrollIntoViewIfNeeded();
    const r = await page.locator('.network-svg').boundingBox();
    const cdp = await page.context().newCDPSession(page);
    const cx = r.x + r.width / 2, cy = r.y + r.height / 2;
    const touch = (type, d) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x: cx - d, y: cy, id: 1 }, { x: cx + d, y: cy, id: 2 }] });
    await touch('touchStart', 20);
    for (let d = 25; d <= 80; d += 5) await touch('touchMove', d);
    await touch('touchEnd', 0);
    const pinched = await vb();
    if (!(pinched[2] < full[2] * 0.8)) fail(`a pinch left the viewBox at ${pinched.join(' ')} (whole: ${full.join(' ')})`);
    const after = await page.locator('.network-svg').evaluate((e) => getComputedStyle(e).touchAction);
    if (after !== 'none') fail(`zoomed in, touch-action is ${after}: a drag would scroll the page instead of panning`);
    await page.locator('.network-svg a').first().focus();
    for (let i = 0; i < 40; i++) await page.keyboard.press('ArrowRight');
    for (let i = 0; i < 40; i++) await page.keyboard.press('ArrowDown');
    const far = await vb();
    if (far[0] + far[2] > full[0] + full[2] + 0.5 || far[1] + far[3] > full[1] + full[3] + 0.5) fail(`panning left the picture: ${far.join(' ')} (whole: ${full.join(' ')})`);
    // One step past the dots for a keyboard user.
    await skip.focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    const inPicture = await page.evaluate(() => !!document.activeElement.closest('.network-svg'));
    if (inPicture) fail('after the skip link, Tab still lands on a dot');
    await page.close();
    // Dots of one shape differ in colour by ΔE2000 ≥ 20, in both themes.
    for (const scheme of ['light', 'dark']) {
      const p2 = await newPage({ colorScheme: scheme });
      await p2.goto(at('special/network/'));
      const dots = await p2.evaluate(() => {
        const seen = {};
        for (const a of document.querySelectorAll('.network-svg .nodes a')) {
          const c = [...a.classList].find((x) => /^c\d+$/.test(x));
          const s = a.querySelector('circle, rect, path');
          if (seen[c] || !s) continue;
          const shape = s.tagName === 'path' ? `path${(s.getAttribute('d').match(/-?[\d.]+/g) ?? []).length}` : s.tagName;
          seen[c] = { shape, fill: getComputedStyle(s).fill };
        }
        return seen;
      });
      const close = [];
      const entries = Object.entries(dots);
      for (let i = 0; i < entries.length; i++)
        for (let j = i + 1; j < entries.length; j++) {
          const [ca, a] = entries[i], [cb, b] = entries[j];
          const d = deltaE2000(lab(a.fill), lab(b.fill));
          if (a.shape === b.shape && d < 20) close.push(`${ca}/${cb} ${a.shape} ΔE ${d.toFixed(1)}`);
        }
      if (close.length) fail(`${scheme}: dots alike in shape and close in colour: ${close.join(', ')}`);
      await p2.close();
    }
  });

  await check('14. edge labels in a page picture do not print over each other (the page with the most)', async () => {
    const page = await newPage();
    await page.goto(at(busiestPicture));
    const n = await page.evaluate(countOverlaps, '.graph-svg .edges text');
    if (n) fail(`${n} pairs of edge labels overlap`);
    await page.close();
  });

  await check('15. list pages: no empty column, linked values, the summary visible on a phone', async () => {
    const page = await newPage();
    for (const kind of ['groups', 'people', 'songs']) {
      await page.goto(at(`${kind}/`));
      const r = await page.evaluate(() => {
        const table = document.querySelector('table.listing');
        const rows = [...table.tBodies[0].rows];
        const heads = [...table.tHead.rows[0].cells].map((c) => c.textContent.trim());
        const empty = heads.filter((_, i) => rows.every((r) => !r.cells[i]?.textContent.trim()));
        const links = rows.flatMap((r) => [...r.cells].slice(1)).filter((c) => c.querySelector('a')).length;
        return { empty, links };
      });
      if (r.empty.length) fail(`${kind}: empty columns ${r.empty.join(', ')}`);
      if (kind === 'songs' && !r.links) fail('songs: no value links to its page');
    }
    await page.close();
    const phone = await newPage(PHONE);
    await phone.goto(at('groups/'));
    const visible = await phone.evaluate(() => {
      const row = document.querySelector('table.listing tbody tr');
      const cell = row.cells[row.cells.length - 1];
      const r = cell.getBoundingClientRect();
      return r.left >= 0 && r.right <= innerWidth + 1 && r.width > 100;
    });
    if (!visible) fail('on a phone the summary is off screen');
    await phone.close();
  });

  await check('16. a redirect says where the reader came from and keeps #section', async () => {
    const page = await newPage();
    await page.goto(at('agencies/sm/#global-outlook'));
    await page.waitForURL((u) => u.pathname === `${BASE}agencies/sm-entertainment/`, { timeout: WAIT });
    await page.waitForLoadState('load');
    if (new URL(page.url()).hash !== '#global-outlook') fail(`landed on ${page.url()}`);
    const note = await page.locator('.redirected-from').textContent({ timeout: WAIT }).catch(() => '');
    if (!/Redirected from/.test(note) || !/\bSM\b/.test(note)) fail(`the page says "${note}"`);
    await page.close();
  });

  await check('17. the 404 page suggests the closest pages to the missing address', async (c) => {
    c.expect404 = true;
    const page = await newPage();
    await page.goto(at('groups/blakpink/'));
    const links = await until(
      () => page.locator('.suggestions a').evaluateAll((as) => as.map((a) => a.textContent.trim())),
      (l) => l.length > 0,
    );
    if (!links.includes('Blackpink')) fail(`suggestions: ${links.join(', ') || 'none'}`);
    await page.close();
  });

  await check('18. small things: "1 pages", one "Browse", no seed file names, even line height, whole words, system theme, disambiguation reachable', async () => {
    const onePages = htmlFiles.filter((f) => /\b1 pages\b/.test(read(f)));
    if (onePages.length) fail(`"1 pages" in ${onePages.slice(0, 3).join(', ')}`);
    const browse = (read('index.html').match(/<h2[^>]*>Browse<\/h2>/g) ?? []).length;
    if (browse > 1) fail(`${browse} "Browse" headings on the home page`);
    const seeds = htmlFiles.filter((f) => f.startsWith('sources/') && /\d{3}_[^<"]*\.txt/.test(read(f)));
    if (seeds.length) fail(`seed file names on ${seeds.slice(0, 3).join(', ')}`);
    const linkedDisambiguations = new Set();
    for (const f of htmlFiles) {
      if (f.startsWith('disambiguation/') || f.startsWith('special/') || f === '404.html') continue;
      for (const m of read(f).matchAll(/href="[^"]*\/disambiguation\/([^/"]+)\//g)) linkedDisambiguations.add(m[1]);
    }
    const all = fs.readdirSync(path.join(siteDir, 'disambiguation'));
    const unreached = all.filter((d) => !linkedDisambiguations.has(d));
    if (unreached.length) fail(`no page links the disambiguation pages ${unreached.join(', ')}`);
    const page = await newPage();
    await page.goto(at('groups/blackpink/'));
    const growth = await page.evaluate(() => {
      const p = [...document.querySelectorAll('.content p')].find((x) => x.querySelector('sup.fnref'));
      const before = p.getBoundingClientRect().height;
      const clone = p.cloneNode(true);
      clone.querySelectorAll('sup').forEach((s) => s.replaceWith(document.createTextNode('\u2009'.repeat(3))));
      p.after(clone);
      const after = clone.getBoundingClientRect().height;
      clone.remove();
      return before - after;
    });
    if (growth > 0.5) fail(`footnote markers make a paragraph ${growth.toFixed(1)} px taller`);
    // Snippets cut to a window start and end on whole words: the words at a cut are whole
    // words of the linking page.
    const fragments = [];
    for (const f of htmlFiles.filter((x) => !x.startsWith('special/'))) {
      for (const m of read(f).matchAll(/<li><a href="([^"]+)">[^<]*<\/a><blockquote>([^<]*)<\/blockquote>/g)) {
        const [, href, q] = m;
        const words = [/^…(\p{L}+)/u.exec(q)?.[1], /(\p{L}+)…$/u.exec(q)?.[1]].filter(Boolean);
        if (!words.length) continue;
        const from = path.join(decodeURIComponent(href.slice(BASE.length)), 'index.html');
        const text = read(from).replace(/<blockquote>[^<]*<\/blockquote>/g, '').replace(/<[^>]*>/g, ' ');
        for (const w of words) if (!new RegExp(`(^|[^\\p{L}])${w}([^\\p{L}]|$)`, 'iu').test(text)) fragments.push(`${w} (${from})`);
      }
    }
    if (fragments.length) fail(`context snippets cut mid-word: ${[...new Set(fragments)].slice(0, 5).join(', ')}`);
    // The theme button can go back to following the system.
    await page.evaluate(() => localStorage.removeItem('kwiki-theme'));
    const states = [];
    for (let i = 0; i < 3; i++) {
      await page.locator('#theme-toggle').click();
      states.push(await page.evaluate(() => [document.documentElement.dataset.theme ?? 'system', localStorage.getItem('kwiki-theme')]));
    }
    if (!states.some(([t, s]) => t === 'system' && s === null)) fail(`three clicks give ${states.map((s) => s.join('/')).join(', ')}, never the system's theme`);
    await page.close();
  });

  await check('no page overflows horizontally at 360 px (every kind of page, every kind index and its first article), and none requests anything outside the site', async () => {
    const page = await newPage(PHONE);
    const sample = ['', 'groups/', 'groups/blackpink/', 'agencies/sm-entertainment/', 'sources/manufacturing-creativity/', 'concepts/k-pop/',
      'special/network/', 'special/timeline/', 'special/all-pages/', 'categories/', 'special/search/?q=bts', 'disambiguation/seven/', busiestPicture,
      'special/wanted/', 'special/maintenance/', ...kindFolders(siteDir).flatMap((k) => [`${k}/`, (firstArticle(siteDir, k) ?? `${BASE}${k}/`).slice(BASE.length)])];
    const wide = [];
    for (const p of sample) {
      await page.goto(at(p));
      await page.waitForTimeout(100);
      const w = await page.evaluate(() => document.documentElement.scrollWidth);
      if (w > 360) wide.push(`${p || 'home'} (${w} px)`);
    }
    if (wide.length) fail(`wider than 360 px: ${wide.join(', ')}`);
    await page.close();
  });
} finally {
  await browser.close();
  await server.close();
}

const failed = results.filter((r) => !r.ok);
console.log(`reader: ${results.length} checks, ${results.length - failed.length} passed, ${failed.length} failed, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
if (failed.length) {
  console.log('FAILED:');
  for (const r of failed) console.log(`  ${r.name} — ${r.detail}`);
  process.exit(1);
}
