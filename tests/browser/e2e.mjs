// End-to-end checks of the wiki's front end in headless Chromium.
//
//   node e2e.mjs <siteDir> [contentDir]
//
// contentDir (default: the repository's content/, or env KWIKI_CONTENT) is read only to pick a
// title with non-ASCII characters to search for.
//
// Each numbered step prints ok / FAIL (with the reason) / skip (an earlier step of the same flow
// failed). During every step, a console error, an uncaught page error, or a request to the local
// server that fails or answers >= 400 fails that step. Requests aborted by a navigation
// (net::ERR_ABORTED) are not failures.

import fs from 'node:fs';
import path from 'node:path';
import { serve } from './server.mjs';
import { BASE, REPO, h1Of, kindFolders, launchChromium, siteDirArg, watchdog, until as untilIn } from './lib.mjs';

const siteDir = siteDirArg('e2e.mjs');
const contentDir = path.resolve(process.argv[3] ?? process.env.KWIKI_CONTENT ?? path.join(REPO, 'content'));
watchdog('e2e.mjs', 300);
const t0 = Date.now();

const SEARCH_QUERY = 'bts';
const SEARCH_TITLE = 'BTS';
const ARTICLE = `${BASE}groups/bts/`;
const KIND_INDEX = `${BASE}groups/`;
const RANDOM = `${BASE}special/random/`;
// Generous: cargo runs other tests beside this one on a two-core machine. A reader sees results
// in well under 100 ms; these bounds only catch what never happens.
const WAIT = 8000;

const server = await serve(siteDir, { base: BASE });
const origin = server.origin;
const kinds = kindFolders(siteDir);
const articleUrl = new RegExp(`^${BASE}(${kinds.join('|')})/[^/]+/$`);

// ---------------------------------------------------------------------------------------------
// Steps and flows

const results = []; // { name, status: 'ok'|'FAIL'|'skip', detail, ms }
let current = null; // the running step's problem list

/** Runs one step; returns false when the step itself threw (console/network problems fail the
 * step too, but do not stop its flow). */
async function step(name, fn) {
  const started = Date.now();
  current = { problems: [], failedUrls: new Set() };
  let error = null;
  try {
    await fn();
  } catch (e) {
    error = (e?.message ?? String(e)).split('\n')[0];
  }
  await new Promise((r) => setTimeout(r, 100)); // let late console/network events land
  const { problems } = current;
  current = null;
  const detail = [error, ...problems].filter(Boolean).join('; ');
  const status = detail ? 'FAIL' : 'ok';
  results.push({ name, status, detail, ms: Date.now() - started });
  console.log(`${status === 'ok' ? 'ok  ' : 'FAIL'}  ${name}${detail ? ` — ${detail}` : ''}`);
  return error === null;
}

/** Runs steps in order; once one throws, the rest of the flow is skipped. */
async function flow(title, steps) {
  let broken = null;
  for (const [name, fn] of steps) {
    if (broken) {
      results.push({ name: `${title}: ${name}`, status: 'skip', detail: `after "${broken}" failed` });
      console.log(`skip  ${title}: ${name} (after "${broken}" failed)`);
      continue;
    }
    if (!(await step(`${title}: ${name}`, fn))) broken = name;
  }
}

function fail(message) {
  throw new Error(message);
}

// ---------------------------------------------------------------------------------------------
// Browser plumbing

const browser = await launchChromium();
const requests = []; // every request URL to the local server, in order

async function newContext(options = {}) {
  const context = await browser.newContext({ colorScheme: 'light', reducedMotion: 'reduce', ...options });
  context.setDefaultTimeout(5000);
  context.on('console', (msg) => {
    if (msg.type() !== 'error' || !current) return;
    const url = msg.location()?.url ?? '';
    if (/^Failed to load resource/.test(msg.text()) && current.failedUrls.has(url)) return; // reported below
    const hint = url === `${origin}/favicon.ico` ? ` — no <link rel="icon"> in the page, so Chromium asked for /favicon.ico, outside ${BASE}` : '';
    current.problems.push(`console error: ${msg.text()} (${url.replace(origin, '')})${hint}`);
  });
  context.on('weberror', (err) => current?.problems.push(`page error: ${err.error().message}`));
  context.on('request', (req) => {
    if (req.url().startsWith(origin)) requests.push(req.url().slice(origin.length));
  });
  context.on('requestfailed', (req) => {
    const why = req.failure()?.errorText ?? '';
    if (current && req.url().startsWith(origin) && why !== 'net::ERR_ABORTED') {
      current.failedUrls.add(req.url());
      current.problems.push(`request failed: ${req.url().slice(origin.length)} (${why})`);
    }
  });
  context.on('response', (res) => {
    if (current && res.url().startsWith(origin) && res.status() >= 400) {
      current.failedUrls.add(res.url());
      current.problems.push(`HTTP ${res.status()} for ${res.url().slice(origin.length)}`);
    }
  });
  return context;
}

async function open(page, urlPath) {
  const res = await page.goto(origin + urlPath, { waitUntil: 'load' });
  if (!res) fail(`no response for ${urlPath}`);
  if (res.status() !== 200) fail(`${urlPath} answered HTTP ${res.status()}`);
  return res;
}

const h1 = async (page) => ((await page.locator('h1').first().textContent({ timeout: WAIT })) ?? '').trim();

/** The title (h1) of the page a site URL leads to, read over HTTP, following redirect stubs. */
async function titleAt(href) {
  let url = new URL(href, origin).href;
  for (let i = 0; i < 3; i++) {
    const res = await fetch(url);
    const html = await res.text();
    const refresh = /<meta\s+http-equiv="refresh"\s+content="[^"]*url=([^"]+)"/i.exec(html);
    if (!refresh) return h1Of(html);
    url = new URL(refresh[1], url).href;
  }
  return null;
}

async function background(page) {
  return page.evaluate(() => {
    const b = getComputedStyle(document.body).backgroundColor;
    return b === 'rgba(0, 0, 0, 0)' || b === 'transparent' ? getComputedStyle(document.documentElement).backgroundColor : b;
  });
}

const theme = (page) => page.evaluate(() => document.documentElement.dataset.theme ?? null);

const until = (read, ok, ms = WAIT) => untilIn(read, ok, ms);

const OPTIONS = '#search-results [role=option]';

async function options(page) {
  return page.locator(OPTIONS).evaluateAll((els) =>
    els.map((el) => ({
      text: el.textContent.replace(/\s+/g, ' ').trim(),
      selected: el.getAttribute('aria-selected') === 'true',
      href: el.querySelector('a[href]')?.getAttribute('href') ?? el.getAttribute('href') ?? el.dataset.href ?? null,
    })),
  );
}

// ---------------------------------------------------------------------------------------------
// A non-ASCII title or alias from the content: Hangul first, else an accented letter, else any.

function nonAsciiName() {
  const found = [];
  const walk = (dir) => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, d.name);
      if (d.isDirectory()) walk(p);
      else if (d.name.endsWith('.md') && !d.name.startsWith('_')) {
        const text = fs.readFileSync(p, 'utf8');
        const fm = /^\+\+\+\n([\s\S]*?)\n\+\+\+/.exec(text)?.[1] ?? '';
        const title = /^title\s*=\s*"((?:[^"\\]|\\.)*)"/m.exec(fm)?.[1];
        if (!title) continue;
        let aliases = [];
        try {
          aliases = JSON.parse(/^aliases\s*=\s*(\[.*\])\s*$/m.exec(fm)?.[1] ?? '[]');
        } catch {
          // not a one-line array of basic strings: ignore
        }
        for (const name of [...aliases, title]) found.push({ name, title, file: path.relative(contentDir, p) });
      }
    }
  };
  if (!fs.existsSync(contentDir)) return null;
  walk(contentDir);
  const hangul = found.find((f) => /[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]/.test(f.name));
  if (hangul) return { ...hangul, why: 'Hangul' };
  const accented = found.find((f) => /[^\x00-\x7f]/.test(f.name) && [...f.name].some((c) => c > '\x7f' && /\p{L}/u.test(c)));
  if (accented) return { ...accented, why: 'non-ASCII letter (no Hangul title or alias in the content)' };
  const other = found.find((f) => /[^\x00-\x7f]/.test(f.name));
  if (other) return { ...other, why: 'non-ASCII characters (no Hangul or accented letter in any title or alias)' };
  return null;
}

// ---------------------------------------------------------------------------------------------
// The flows

try {
  // 1. Home page and search.
  {
    const context = await newContext();
    const page = await context.newPage();
    let selectedIndex = -1;
    let selected = null;
    await flow('search', [
      ['open the home page', () => open(page, BASE)],
      [
        `no request under ${BASE}search/ before search is used`,
        async () => {
          await page.waitForLoadState('networkidle');
          const early = requests.filter((u) => u.startsWith(`${BASE}search/`));
          if (early.length) fail(`requested before any search: ${early.join(', ')}`);
        },
      ],
      [
        'pressing "/" focuses #search-input',
        async () => {
          if (!(await page.locator('#search-input').count())) fail('no #search-input on the home page');
          await page.keyboard.press('/');
          const focused = await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
          if (focused !== 'search-input') fail(`document.activeElement is ${focused}, not #search-input`);
        },
      ],
      [
        `typing "${SEARCH_QUERY}" lists options within ${WAIT / 1000} s, the first containing "${SEARCH_TITLE}"`,
        async () => {
          await page.keyboard.type(SEARCH_QUERY);
          try {
            await page.locator(OPTIONS).first().waitFor({ state: 'visible', timeout: WAIT });
          } catch {
            fail(`no visible ${OPTIONS} within ${WAIT / 1000} s`);
          }
          // Results for "b" and "bt" may show before those for the whole query (its shard is
          // fetched first): wait for the list to settle on the full query's answer.
          try {
            await page.waitForFunction(
              ([sel, title]) => document.querySelector(sel)?.textContent.includes(title),
              [OPTIONS, SEARCH_TITLE],
              { timeout: WAIT },
            );
          } catch {
            // Reported below with what the list shows.
          }
          const opts = await options(page);
          if (!opts[0].text.includes(SEARCH_TITLE)) fail(`first option is "${opts[0].text}"`);
          // One result per line: every option starts at the same x, each below the previous.
          const boxes = await page.locator(OPTIONS).evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON()));
          const stacked = boxes.every((b, i) => i === 0 || (Math.abs(b.left - boxes[0].left) < 1 && b.top >= boxes[i - 1].bottom - 1));
          if (!stacked) fail(`options are not one per line: ${boxes.map((b) => `${Math.round(b.left)},${Math.round(b.top)}`).join(' ')}`);
          const loaded = requests.filter((u) => u.startsWith(`${BASE}search/`));
          console.log(`      (${opts.length} options; search files fetched: ${loaded.join(', ') || 'none'})`);
        },
      ],
      [
        'ArrowDown moves aria-selected="true" to the next option',
        async () => {
          const before = await options(page);
          const s0 = before.findIndex((o) => o.selected);
          await page.keyboard.press('ArrowDown');
          const after = await until(
            () => options(page),
            (o) => o.filter((x) => x.selected).length === 1 && o.findIndex((x) => x.selected) !== s0,
            500,
          );
          const chosen = after.map((o, i) => (o.selected ? i : -1)).filter((i) => i >= 0);
          if (chosen.length !== 1) fail(`${chosen.length} options have aria-selected="true" after ArrowDown (before: index ${s0})`);
          const expected = Math.min(s0 + 1, after.length - 1);
          if (chosen[0] !== expected) fail(`aria-selected moved from index ${s0} to ${chosen[0]}, expected ${expected}`);
          selectedIndex = chosen[0];
          selected = after[selectedIndex];
          console.log(`      (aria-selected moved from index ${s0} to ${selectedIndex}: "${selected.text}")`);
        },
      ],
      [
        'Enter opens the selected option',
        async () => {
          const from = new URL(page.url()).pathname;
          await Promise.all([page.waitForURL((u) => u.pathname !== from, { timeout: WAIT }), page.keyboard.press('Enter')]);
          await page.waitForLoadState('load');
          const landed = new URL(page.url()).pathname;
          const title = await h1(page);
          if (selected.href && new URL(selected.href, page.url()).pathname !== landed) {
            fail(`landed on ${landed}, the option links ${selected.href}`);
          }
          if (!title || !selected.text.includes(title)) fail(`landed on ${landed} with h1 "${title}", option text "${selected.text}"`);
          if (selectedIndex === 0 && title !== SEARCH_TITLE) fail(`h1 is "${title}", expected "${SEARCH_TITLE}"`);
        },
      ],
    ]);
    await context.close();
  }

  // 2. Searching a non-ASCII name.
  {
    const pick = nonAsciiName();
    if (!pick) {
      console.log(`note: no title or alias with non-ASCII characters in ${contentDir}: non-ASCII search not tested`);
    } else {
      console.log(`note: non-ASCII search uses "${pick.name}" (${pick.why}) from ${pick.file}, expecting "${pick.title}"`);
      const context = await newContext();
      const page = await context.newPage();
      await flow('non-ASCII search', [
        ['open the home page', () => open(page, BASE)],
        [
          `typing "${pick.name}" finds "${pick.title}" within ${WAIT / 1000} s`,
          async () => {
            if (!(await page.locator('#search-input').count())) fail('no #search-input on the home page');
            await page.locator('#search-input').focus();
            await page.keyboard.type(pick.name);
            const found = await until(
              () => options(page).catch(() => []),
              (o) => o.some((x) => x.text.includes(pick.title)),
            );
            if (!found.some((x) => x.text.includes(pick.title))) {
              fail(`options: ${found.map((o) => `"${o.text}"`).join(', ') || 'none'}`);
            }
          },
        ],
      ]);
      await context.close();
    }
  }

  // 3. Following a wikilink.
  {
    const context = await newContext();
    const page = await context.newPage();
    let href = null;
    await flow('wikilink', [
      ['open an article', () => open(page, ARTICLE)],
      [
        'clicking a .content a.wikilink lands on its target',
        async () => {
          const link = page.locator('.content a.wikilink:not(.new)').first();
          if (!(await link.count())) fail(`no .content a.wikilink:not(.new) on ${ARTICLE}`);
          href = await link.getAttribute('href');
          const expected = await titleAt(href);
          await Promise.all([page.waitForURL((u) => u.pathname !== ARTICLE, { timeout: WAIT }), link.click()]);
          await page.waitForLoadState('load');
          const landed = new URL(page.url()).pathname;
          if (landed !== new URL(href, origin).pathname && !articleUrl.test(landed)) fail(`landed on ${landed}, link is ${href}`);
          const title = await h1(page);
          if (title !== expected) fail(`h1 is "${title}", the target's title is "${expected}"`);
        },
      ],
    ]);
    await context.close();
  }

  // 4. Link previews, by mouse and by keyboard.
  {
    const context = await newContext();
    const page = await context.newPage();
    const preview = page.locator('#link-preview');
    const link = page.locator('.content a.wikilink:not(.new)').first();
    let expected = null;
    const previewShows = async (title) => {
      try {
        await preview.waitFor({ state: 'visible', timeout: WAIT });
      } catch {
        fail(`#link-preview is ${(await preview.count()) ? 'present but not visible' : 'absent'} after 2 s`);
      }
      const shown = ((await preview.locator('.preview-title').first().textContent({ timeout: WAIT }).catch(() => null)) ?? '').trim();
      if (shown !== title) fail(`.preview-title is "${shown}", expected "${title}"`);
    };
    const previewHides = async (how) => {
      try {
        await preview.waitFor({ state: 'hidden', timeout: WAIT });
      } catch {
        fail(`#link-preview still visible 2 s after ${how}`);
      }
    };
    await flow('link preview (mouse)', [
      ['open an article', () => open(page, ARTICLE)],
      [
        `hovering a .content a.wikilink shows #link-preview with the target title within ${WAIT / 1000} s`,
        async () => {
          if (!(await link.count())) fail(`no .content a.wikilink:not(.new) on ${ARTICLE}`);
          expected = await titleAt(await link.getAttribute('href'));
          await link.hover();
          await previewShows(expected);
        },
      ],
      [
        'Escape hides it',
        async () => {
          await page.keyboard.press('Escape');
          await previewHides('Escape');
        },
      ],
      [
        'moving the mouse away hides it',
        async () => {
          await page.mouse.move(0, 0);
          await link.hover();
          await previewShows(expected);
          await page.mouse.move(5, 5);
          await previewHides('the mouse moved away');
        },
      ],
    ]);
    await flow('link preview (keyboard)', [
      ['open an article', () => open(page, ARTICLE)],
      [
        'Tab to a .content a.wikilink shows #link-preview with its target title',
        async () => {
          await page.mouse.move(0, 0);
          let href = null;
          for (let i = 0; i < 300 && !href; i++) {
            await page.keyboard.press('Tab');
            href = await page.evaluate(() => {
              const el = document.activeElement;
              return el?.matches('.content a.wikilink:not(.new)') ? el.getAttribute('href') : null;
            });
          }
          if (!href) fail('300 Tabs never focused a .content a.wikilink');
          await previewShows(await titleAt(href));
        },
      ],
      [
        'Escape hides it',
        async () => {
          await page.keyboard.press('Escape');
          await previewHides('Escape');
        },
      ],
    ]);
    await context.close();
  }

  // 5. Theme toggle.
  {
    const context = await newContext({ colorScheme: 'light' });
    const page = await context.newPage();
    const toggle = page.locator('#theme-toggle');
    const state = {};
    await flow('theme', [
      ['open the home page', () => open(page, BASE)],
      [
        '#theme-toggle exists and is visible',
        async () => {
          if (!(await toggle.count())) fail('no #theme-toggle');
          if (!(await toggle.isVisible())) fail('#theme-toggle is not visible');
        },
      ],
      [
        'clicking it flips data-theme and changes the background colour',
        async () => {
          state.theme0 = await theme(page);
          state.bg0 = await background(page);
          const effective = state.theme0 ?? (await page.evaluate(() => (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light')));
          state.want = effective === 'dark' ? 'light' : 'dark';
          await toggle.click();
          const t = await until(() => theme(page), (v) => v === state.want);
          if (t !== state.want) fail(`data-theme went from ${state.theme0} to ${t}, expected ${state.want}`);
          const bg = await until(() => background(page), (v) => v !== state.bg0);
          if (bg === state.bg0) fail(`background colour stayed ${bg}`);
          await page.waitForTimeout(300); // let any transition finish
          state.bg1 = await background(page);
        },
      ],
      [
        'the choice is stored in localStorage kwiki-theme',
        async () => {
          const stored = await page.evaluate(() => localStorage.getItem('kwiki-theme'));
          if (stored !== state.want) fail(`localStorage kwiki-theme is ${JSON.stringify(stored)}, expected "${state.want}"`);
        },
      ],
      [
        'the choice persists across a reload',
        async () => {
          await page.reload({ waitUntil: 'load' });
          const t = await theme(page);
          const bg = await background(page);
          if (t !== state.want || bg !== state.bg1) fail(`after reload data-theme=${t}, background ${bg}; expected ${state.want}, ${state.bg1}`);
        },
      ],
      [
        'the choice persists on another page',
        async () => {
          await open(page, ARTICLE);
          const t = await theme(page);
          const bg = await background(page);
          if (t !== state.want || bg !== state.bg1) fail(`on ${ARTICLE} data-theme=${t}, background ${bg}; expected ${state.want}, ${state.bg1}`);
        },
      ],
    ]);
    await context.close();
  }

  // 6. Sortable kind index.
  {
    const context = await newContext();
    const page = await context.newPage();
    await flow('kind index', [
      ['open a kind index', () => open(page, KIND_INDEX)],
      [
        'clicking the first th button reverses the first column',
        async () => {
          const button = page.locator('th button').first();
          if (!(await button.count())) fail(`no th button on ${KIND_INDEX}`);
          const table = page.locator('table', { has: page.locator('th button') }).first();
          const column = () => table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.cells[0]?.textContent.trim() ?? ''));
          const before = await column();
          if (before.length < 2) fail(`only ${before.length} rows`);
          await button.click();
          const after = await until(column, (c) => c.join('\n') !== before.join('\n'));
          const reversed = [...before].reverse();
          if (after.join('\n') === before.join('\n')) fail(`order unchanged 2 s after the click (first: ${before.slice(0, 3).join(', ')})`);
          if (after.join('\n') !== reversed.join('\n')) fail(`order is ${after.slice(0, 3).join(', ')}…, expected ${reversed.slice(0, 3).join(', ')}…`);
        },
      ],
    ]);
    await context.close();
  }

  // 7. Random page.
  {
    const context = await newContext();
    const page = await context.newPage();
    await flow('random page', [
      [
        `${RANDOM} ends at an article`,
        async () => {
          const res = await page.goto(origin + RANDOM, { waitUntil: 'load' });
          if (res?.status() !== 200) fail(`${RANDOM} answered HTTP ${res?.status()}`); // (also listed as an HTTP error)
          await page.waitForURL((u) => articleUrl.test(u.pathname), { timeout: 5000 }).catch(() => {});
          const landed = new URL(page.url()).pathname;
          if (!articleUrl.test(landed)) fail(`still on ${landed} after 5 s`);
          await page.waitForLoadState('load');
          if (!(await h1(page))) fail(`${landed} has no h1`);
        },
      ],
    ]);
    await context.close();
  }

  // 7b. The full results page, where the header form goes on Enter with nothing selected.
  {
    const context = await newContext();
    const page = await context.newPage();
    await flow('search results page', [
      [
        `${BASE}special/search/?q=${SEARCH_QUERY} lists "${SEARCH_TITLE}" first, with a summary`,
        async () => {
          await page.goto(`${origin}${BASE}special/search/?q=${encodeURIComponent(SEARCH_QUERY)}`, { waitUntil: 'load' });
          const first = page.locator('.search-page-results li').first();
          await first.waitFor({ state: 'visible', timeout: WAIT }).catch(() => fail('no results listed'));
          const link = (await first.locator('a').first().textContent())?.trim();
          if (link !== SEARCH_TITLE) fail(`first result is "${link}"`);
          const summary = (await first.locator('p').first().textContent())?.trim();
          if (!summary) fail('the first result has no summary');
          const field = await page.inputValue('#search-page-input');
          if (field !== SEARCH_QUERY) fail(`the search field holds "${field}"`);
        },
      ],
    ]);
    await context.close();
  }

  // 8. Pictures: a page's neighbourhood (keyboard) and the network (filter, zoom, pan).
  {
    const context = await newContext();
    const page = await context.newPage();
    const NETWORK = `${BASE}special/network/`;
    const viewBox = () => page.locator('.network-svg').getAttribute('viewBox');
    const shownDots = (k) => page.evaluate((k) => [...document.querySelectorAll(`.network-svg a.k${k}`)].filter((a) => getComputedStyle(a).display !== 'none').length, k);
    await flow('pictures', [
      ['open an article', () => open(page, ARTICLE)],
      [
        'its picture has a title, a description and linked boxes',
        async () => {
          const svg = page.locator('.graph-svg');
          if ((await svg.count()) !== 1) fail(`${await svg.count()} .graph-svg on ${ARTICLE}`);
          const title = (await svg.locator('title').first().textContent()) ?? '';
          if (!title.includes(SEARCH_TITLE)) fail(`svg title is "${title}"`);
          const desc = (await svg.locator('desc').textContent()) ?? '';
          if (desc.length < 40) fail(`svg desc is "${desc}"`);
          if ((await svg.locator('a[href]').count()) < 2) fail('fewer than two linked boxes');
          if (!(await svg.isVisible())) fail('the picture is not visible');
        },
      ],
      [
        'Tab from the picture\'s frame reaches a box; Enter opens its page',
        async () => {
          await page.locator('.graph-scroll').focus();
          await page.keyboard.press('Tab');
          const focused = await page.evaluate(() => {
            const a = document.activeElement;
            return a && a.closest('.graph-svg') ? { href: a.getAttribute('href'), title: a.querySelector('title')?.textContent ?? '' } : null;
          });
          if (!focused) fail('Tab did not move focus into the picture');
          const outline = await page.evaluate(() => getComputedStyle(document.activeElement.querySelector('rect')).strokeWidth);
          if (parseFloat(outline) < 3) fail(`the focused box's border is ${outline} wide`);
          await Promise.all([page.waitForURL((u) => u.pathname === focused.href), page.keyboard.press('Enter')]);
          const title = await h1(page);
          if (!focused.title.startsWith(`${title} (`)) fail(`Enter opened "${title}", the box said "${focused.title}"`);
        },
      ],
      ['open the network', () => open(page, NETWORK)],
      [
        'unticking a kind hides its dots and lines; ticking shows them again',
        async () => {
          const box = page.locator('.network-filter input').first();
          const k = Number((await box.getAttribute('id')).replace('show-kind-', ''));
          const before = await shownDots(k);
          if (before < 1) fail(`no dots of kind ${k} shown`);
          await box.uncheck();
          const after = await until(() => shownDots(k), (n) => n === 0);
          if (after !== 0) fail(`${after} dots of kind ${k} still shown`);
          const lines = await page.evaluate((k) => [...document.querySelectorAll(`.network-svg path.ka${k}, .network-svg path.kb${k}`)].filter((p) => getComputedStyle(p).display !== 'none').length, k);
          if (lines) fail(`${lines} line groups of kind ${k} still shown`);
          await box.check();
          if ((await shownDots(k)) !== before) fail('ticking again did not bring the dots back');
        },
      ],
      [
        'zoom in, pan with the keys and drag, reset',
        async () => {
          const full = await viewBox();
          await page.getByRole('button', { name: 'Zoom in' }).click();
          const zoomed = await viewBox();
          const width = (v) => Number(v.split(' ')[2]);
          if (!(width(zoomed) < width(full))) fail(`viewBox ${full} → ${zoomed} after Zoom in`);
          await page.locator('.network-svg a').first().focus();
          await page.keyboard.press('ArrowRight');
          const panned = await viewBox();
          if (Number(panned.split(' ')[0]) <= Number(zoomed.split(' ')[0])) fail(`ArrowRight: ${zoomed} → ${panned}`);
          const r = await page.locator('.network-svg').boundingBox();
          await page.mouse.move(r.x + r.width / 2, r.y + r.height / 2);
          await page.mouse.down();
          await page.mouse.move(r.x + r.width / 2 + 60, r.y + r.height / 2 + 30, { steps: 5 });
          await page.mouse.up();
          const dragged = await viewBox();
          if (Number(dragged.split(' ')[0]) >= Number(panned.split(' ')[0])) fail(`a drag to the right: ${panned} → ${dragged}`);
          await page.getByRole('button', { name: 'Show all' }).click();
          const numbers = (v) => v.split(' ').map(Number).join(' ');
          if (numbers(await viewBox()) !== numbers(full)) fail(`Show all gave ${await viewBox()}, not ${full}`);
        },
      ],
    ]);
    await context.close();
  }

  // 9. Without JavaScript.
  {
    const context = await newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await flow('no JavaScript', [
      ['open an article', () => open(page, ARTICLE)],
      [
        'h1, body text and infobox are visible',
        async () => {
          if (!(await page.locator('h1').first().isVisible())) fail('h1 not visible');
          const title = await h1(page);
          const expected = await titleAt(ARTICLE);
          if (title !== expected) fail(`h1 is "${title}", expected "${expected}"`);
          const content = page.locator('.content').first();
          if (!(await content.isVisible())) fail('.content not visible');
          const text = ((await content.innerText()) ?? '').trim();
          if (text.length < 100) fail(`.content has only ${text.length} characters of text`);
          if (!(await page.locator('.infobox').first().isVisible())) fail('.infobox not visible');
        },
      ],
      [
        'the network\'s kind filter works without script',
        async () => {
          await open(page, `${BASE}special/network/`);
          const box = page.locator('.network-filter input').first();
          const k = (await box.getAttribute('id')).replace('show-kind-', '');
          const shown = () => page.evaluate((k) => [...document.querySelectorAll(`.network-svg a.k${k}`)].filter((a) => getComputedStyle(a).display !== 'none').length, k);
          if ((await shown()) < 1) fail('no dots shown');
          await box.uncheck();
          if ((await shown()) !== 0) fail('unticking did not hide the dots');
          if (await page.locator('.network-controls').count()) fail('zoom buttons shown without script');
          await open(page, ARTICLE);
        },
      ],
      [
        '#theme-toggle is not visible',
        async () => {
          const toggle = page.locator('#theme-toggle');
          if ((await toggle.count()) && (await toggle.first().isVisible())) fail('#theme-toggle is visible without JavaScript');
        },
      ],
    ]);
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}

const count = (s) => results.filter((r) => r.status === s).length;
console.log(
  `e2e: ${results.length} steps, ${count('ok')} passed, ${count('FAIL')} failed, ${count('skip')} skipped, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
);
if (count('FAIL')) {
  console.log('FAILED:');
  for (const r of results.filter((x) => x.status !== 'ok')) console.log(`  ${r.status}  ${r.name}${r.detail ? ` — ${r.detail}` : ''}`);
  process.exit(1);
}
