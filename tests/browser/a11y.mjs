// Accessibility: axe-core in headless Chromium on a sample of pages, in both themes, each reached
// two ways; plus a visible-focus check on the first focusable elements.
//
//   node a11y.mjs <siteDir>
//
// Pages: the home page, the first article of each kind (first link of each kind index), one kind
// index, one category page, the search page with results for "bts" (if the site has one) and the
// 404 page (a missing URL under the base path); then the home page with search results open and
// an article with a link preview open.
// Themes: light and dark through the browser's prefers-color-scheme, and dark and light through
// the reader's stored choice (localStorage `kwiki-theme`, set before load) against the opposite
// system preference.
// Rules: axe tags wcag2a, wcag2aa, wcag21a, wcag21aa, wcag22aa, best-practice. Any violation fails
// with page, theme, rule id and target selectors.
// Focus: Tab through the first few focusable elements; each must show an outline (or box-shadow)
// of non-zero width and lie inside the viewport.

import fs from 'node:fs';
import path from 'node:path';
import { serve } from './server.mjs';
import { BASE, HERE, MISSING, firstArticle, firstArticleWith, firstCategory, kindFolders, launchChromium, siteDirArg, watchdog } from './lib.mjs';

const siteDir = siteDirArg('a11y.mjs');
watchdog('a11y.mjs', 600);
const t0 = Date.now();

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];
const AXE = path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js');
const TABS = 6;

const MODES = [
  { name: 'light (system)', colorScheme: 'light', expect: 'light' },
  { name: 'dark (system)', colorScheme: 'dark', expect: 'dark' },
  { name: 'dark (stored kwiki-theme, system light)', colorScheme: 'light', stored: 'dark', expect: 'dark' },
  { name: 'light (stored kwiki-theme, system dark)', colorScheme: 'dark', stored: 'light', expect: 'light' },
];

const kinds = kindFolders(siteDir);
const pages = [{ label: 'home', path: BASE }];
for (const folder of kinds) {
  const href = firstArticle(siteDir, folder);
  if (href) pages.push({ label: `${folder} article`, path: href });
  else console.log(`note: no article linked from ${BASE}${folder}/`);
}
if (kinds.length) pages.push({ label: 'kind index', path: `${BASE}${kinds[0]}/` });
// The fan-wiki data a page can show: each where the site has one, once.
for (const [label, marker] of [
  ['timeline picture', 'class="period-timeline"'],
  ['query table', 'class="listing sortable query"'],
  ['navigation box', 'class="navbox"'],
]) {
  const href = firstArticleWith(siteDir, marker);
  if (href && !pages.some((p) => p.path === href)) pages.push({ label, path: href });
}
const category = firstCategory(siteDir);
if (category) pages.push({ label: 'category', path: category });
else console.log(`note: no category linked from ${BASE}categories/`);
// The full search page, with results, when the site has one.
if (fs.existsSync(path.join(siteDir, 'special', 'search', 'index.html'))) pages.push({ label: 'search page', path: `${BASE}special/search/?q=bts` });
if (fs.existsSync(path.join(siteDir, 'special', 'timeline', 'index.html'))) pages.push({ label: 'timeline', path: `${BASE}special/timeline/` });
if (fs.existsSync(path.join(siteDir, 'special', 'network', 'index.html'))) pages.push({ label: 'network', path: `${BASE}special/network/` });
// The history of the first article, and recent changes, when the site has them.
const article = pages.find((p) => p.label.endsWith(' article'));
if (article && fs.existsSync(path.join(siteDir, article.path.slice(BASE.length), 'history', 'index.html'))) pages.push({ label: 'page history', path: `${article.path}history/` });
if (fs.existsSync(path.join(siteDir, 'recent-changes', 'index.html'))) pages.push({ label: 'recent changes', path: `${BASE}recent-changes/` });
pages.push({ label: '404', path: MISSING, status: 404 });

const server = await serve(siteDir, { base: BASE });
const browser = await launchChromium();
const failures = [];
const notes = [];
// Violations grouped by page and rule, listing the theme modes they occur in.
const violations = new Map();
function violation(p, mode, what, detail) {
  const key = `${p.path} [${p.label}] | ${what}`;
  if (!violations.has(key)) violations.set(key, { modes: [], details: new Set() });
  const v = violations.get(key);
  v.modes.push(mode.name);
  if (detail) v.details.add(detail);
}
let axeRuns = 0;

async function runAxe(page, p, mode) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    TAGS,
  );
  axeRuns++;
  for (const v of result.violations) {
    const targets = v.nodes.map((n) => n.target.join(' ')).slice(0, 8);
    const more = v.nodes.length > targets.length ? ` (+${v.nodes.length - targets.length} more)` : '';
    const detail = v.nodes[0]?.failureSummary?.split('\n').slice(1, 2).join(' ').trim();
    violation(p, mode, `${v.id} (${v.impact}): ${v.help} | ${targets.join(', ')}${more}`, detail);
  }
}

// The interactive widgets, open: search results on the home page, a link preview on an article.
const WIDGETS = [
  {
    label: 'search results open',
    path: BASE,
    open: async (page) => {
      await page.locator('#search-input').fill('bts');
      await page.locator('#search-results [role=option]').first().waitFor({ state: 'visible', timeout: 3000 });
    },
  },
  {
    label: 'link preview open',
    path: `${BASE}groups/bts/`,
    open: async (page) => {
      await page.locator('.content a.wikilink:not(.new)').first().hover();
      await page.locator('#link-preview').waitFor({ state: 'visible', timeout: 3000 });
    },
  },
];

try {
  for (const mode of MODES) {
    const context = await browser.newContext({ colorScheme: mode.colorScheme, reducedMotion: 'reduce' });
    context.setDefaultTimeout(5000);
    if (mode.stored) {
      await context.addInitScript((theme) => {
        try {
          localStorage.setItem('kwiki-theme', theme);
        } catch {
          // storage disabled: the check below reports the theme that was applied
        }
      }, mode.stored);
    }
    const page = await context.newPage();
    for (const p of pages) {
      const where = `${p.path} [${p.label}] | ${mode.name}`;
      const response = await page.goto(server.origin + p.path, { waitUntil: 'load' });
      const status = response?.status();
      if (status !== (p.status ?? 200)) failures.push(`${where} | HTTP ${status}, expected ${p.status ?? 200}`);
      await page.evaluate(() => document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))));

      // Which theme did the page end up in? (data-theme, else the system preference.)
      const applied = await page.evaluate(() => document.documentElement.dataset.theme ?? null);
      if (mode.stored && applied !== mode.stored) {
        notes.push(`${where} | stored theme not applied: <html data-theme> is ${JSON.stringify(applied)}, so this mode tested the system theme`);
      }

      await runAxe(page, p, mode);

      // Visible focus: Tab from the top of a fresh load.
      await page.reload({ waitUntil: 'load' });
      for (let i = 1; i <= TABS; i++) {
        await page.keyboard.press('Tab');
        const f = await page.evaluate(() => {
          const el = document.activeElement;
          if (!el || el === document.body || el === document.documentElement) return null;
          const cs = getComputedStyle(el);
          const r = el.getBoundingClientRect();
          const desc =
            el.tagName.toLowerCase() +
            (el.id ? `#${el.id}` : '') +
            (el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : '') +
            (el.textContent.trim() ? ` "${el.textContent.trim().slice(0, 30)}"` : '');
          return {
            desc,
            outlineStyle: cs.outlineStyle,
            outlineWidth: parseFloat(cs.outlineWidth) || 0,
            boxShadow: cs.boxShadow,
            rect: { x: r.x, y: r.y, w: r.width, h: r.height },
            viewport: { w: innerWidth, h: innerHeight },
          };
        });
        if (!f) break; // fewer focusable elements than TABS
        const outline = f.outlineStyle !== 'none' && f.outlineWidth > 0;
        const shadow = f.boxShadow && f.boxShadow !== 'none';
        if (!outline && !shadow) {
          violation(p, mode, `focus-visible: Tab ${i} focuses ${f.desc} with no visible outline`, `outline ${f.outlineStyle} ${f.outlineWidth}px, box-shadow ${f.boxShadow}`);
        }
        const r = f.rect;
        const onScreen = r.w > 0 && r.h > 0 && r.x + r.w > 0 && r.y + r.h > 0 && r.x < f.viewport.w && r.y < f.viewport.h;
        if (!onScreen) {
          violation(p, mode, `focus-visible: Tab ${i} focuses ${f.desc}, which is not on screen`, `box ${JSON.stringify(r)}`);
        }
      }
    }
    for (const w of WIDGETS) {
      const p = { label: w.label, path: w.path };
      await page.goto(server.origin + w.path, { waitUntil: 'load' });
      try {
        await w.open(page);
      } catch (e) {
        notes.push(`${w.path} [${w.label}] | ${mode.name} | could not open the widget, not checked: ${e.message.split('\n')[0]}`);
        continue;
      }
      await runAxe(page, p, mode);
    }
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}

for (const [key, v] of violations) {
  const modes = v.modes.length === MODES.length ? 'all theme modes' : v.modes.join(', ');
  failures.push(`${key} | in ${modes}${[...v.details].map((d) => `\n      ${d}`).join('')}`);
}
const secs = ((Date.now() - t0) / 1000).toFixed(1);
console.log(`a11y: ${pages.length} pages + ${WIDGETS.length} open widgets × ${MODES.length} theme modes, ${axeRuns} axe runs (axe tags ${TAGS.join(', ')}), ${failures.length} distinct failures, ${secs} s`);
console.log(`pages: ${pages.map((p) => p.path).join(' ')}`);
for (const n of notes) console.log(`NOTE ${n}`);
if (failures.length) {
  console.log('FAILED:');
  for (const f of failures) console.log(`  ${f}`);
  process.exit(1);
}
