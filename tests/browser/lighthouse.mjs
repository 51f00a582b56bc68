// Lighthouse 12 (default mobile profile, simulated throttling) on the home page and one article,
// served by server.mjs; fails if any of performance, accessibility, best-practices or seo scores
// below 0.95.
//
//   node lighthouse.mjs <siteDir> [--desktop] [--json <dir>]
//
// Prints every score and, for each category, the audits that did not pass. --desktop uses
// Lighthouse's desktop profile instead; --json <dir> writes each full report there.

import fs from 'node:fs';
import path from 'node:path';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import * as chromeLauncher from 'chrome-launcher';
import { serve } from './server.mjs';
import { BASE, CHROMIUM, CHROMIUM_FLAGS, siteDirArg, watchdog } from './lib.mjs';

const siteDir = siteDirArg('lighthouse.mjs');
const desktop = process.argv.includes('--desktop');
const jsonAt = process.argv.indexOf('--json');
const jsonDir = jsonAt > 0 ? process.argv[jsonAt + 1] : null;
watchdog('lighthouse.mjs', 400);
const t0 = Date.now();

const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
const MIN = 0.95;
const PAGES = [BASE, `${BASE}groups/bts/`];

if (!fs.existsSync(CHROMIUM)) {
  console.error(`lighthouse.mjs: no Chromium at ${CHROMIUM} (set CHROMIUM)`);
  process.exit(2);
}
const server = await serve(siteDir, { base: BASE });
const chrome = await chromeLauncher.launch({
  chromePath: CHROMIUM,
  chromeFlags: ['--headless=new', ...CHROMIUM_FLAGS],
  logLevel: 'silent',
});

const failures = [];
try {
  for (const p of PAGES) {
    if (!fs.existsSync(path.join(siteDir, decodeURIComponent(p.slice(BASE.length)), 'index.html'))) {
      failures.push(`${p}: not in the site`);
      continue;
    }
    const url = server.origin + p;
    const result = await lighthouse(
      url,
      { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: CATEGORIES },
      desktop ? desktopConfig : undefined,
    );
    const lhr = result.lhr;
    if (lhr.runtimeError) failures.push(`${p}: Lighthouse runtime error ${lhr.runtimeError.code}: ${lhr.runtimeError.message}`);
    for (const w of lhr.runWarnings ?? []) console.log(`  warning (${p}): ${w}`);
    if (jsonDir) {
      fs.mkdirSync(jsonDir, { recursive: true });
      fs.writeFileSync(path.join(jsonDir, `${p.replace(/[^a-z0-9]+/gi, '_').replace(/^_|_$/g, '') || 'home'}.json`), result.report);
    }

    const scores = CATEGORIES.map((id) => `${id} ${fmt(lhr.categories[id]?.score)}`).join(', ');
    console.log(`${p} (${desktop ? 'desktop' : 'mobile'}): ${scores}`);
    const m = (id) => lhr.audits[id]?.displayValue ?? '?';
    console.log(`  metrics: FCP ${m('first-contentful-paint')}, LCP ${m('largest-contentful-paint')}, TBT ${m('total-blocking-time')}, CLS ${m('cumulative-layout-shift')}, SI ${m('speed-index')}`);

    for (const id of CATEGORIES) {
      const cat = lhr.categories[id];
      if (!cat) {
        failures.push(`${p}: category ${id} missing from the report`);
        continue;
      }
      // Audits that did not pass (informative and not-applicable audits are not listed).
      const notPassing = cat.auditRefs
        .map((ref) => ({ ref, audit: lhr.audits[ref.id] }))
        .filter(({ audit }) => audit && audit.score !== null && audit.score < 1 && ['binary', 'numeric', 'metricSavings'].includes(audit.scoreDisplayMode));
      for (const { ref, audit } of notPassing.filter(({ ref }) => ref.weight > 0)) {
        console.log(`  ${id}: ${audit.id} — ${audit.title} — score ${fmt(audit.score)} (weight ${ref.weight})${audit.displayValue ? ` — ${audit.displayValue}` : ''}${details(audit)}`);
      }
      const unweighted = notPassing.filter(({ ref }) => !ref.weight).map(({ audit }) => `${audit.id} ${fmt(audit.score)}`);
      if (unweighted.length) console.log(`  ${id}: not passing, weight 0 (not in the score): ${unweighted.join(', ')}`);
      if (cat.score === null || cat.score < MIN) {
        const titles = notPassing.filter(({ ref }) => ref.weight > 0).map(({ audit }) => `${audit.id} (${audit.title})`);
        failures.push(`${p}: ${id} ${fmt(cat.score)} < ${MIN}${titles.length ? `; failing audits: ${titles.join(', ')}` : ''}`);
      }
    }
  }
} finally {
  await chrome.kill();
  await server.close();
}

function fmt(score) {
  return score === null || score === undefined ? 'n/a' : String(Math.round(score * 100));
}

/** The first few items of an audit's details (URLs, selectors), for a readable failure. */
function details(audit) {
  const items = audit.details?.items ?? [];
  const shown = [
    ...new Set(
      items.map((it) =>
        [it.node?.selector ?? it.node?.snippet ?? it.url ?? it.source?.url, it.sourceLocation?.url, it.description].filter(Boolean).join(' — '),
      ),
    ),
  ].filter(Boolean);
  const more = shown.length > 4 ? `\n      … ${shown.length - 4} more` : '';
  return shown.length ? `\n      ${shown.slice(0, 4).join('\n      ')}${more}` : '';
}

console.log(`lighthouse: ${PAGES.length} pages, ${failures.length} failures, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
if (failures.length) {
  console.log('FAILED:');
  for (const f of failures) console.log(`  ${f}`);
  process.exit(1);
}
