// Search in the browser with Hangul and accented names, on a small fixture site built by
// tests/it/browser.rs (the real wiki's sources have no Hangul). Checks that the browser folds
// queries exactly as the Rust indexer folds the text:
//
//   node search-i18n.mjs <siteDir>
//
// The fixture (hangul_site in tests/it/browser.rs) has "방탄소년단" (aliases "방탄", "Bangtan"),
// "Beyoncé Club" and "Jisoo" (alias "지수"),
// and a body word "안무" (choreography) only in the text of "Beyoncé Club".

import { serve } from './server.mjs';
import { BASE, launchChromium, siteDirArg, watchdog } from './lib.mjs';

const siteDir = siteDirArg('search-i18n.mjs');
watchdog('search-i18n.mjs', 120);

const CASES = [
  ['방탄소년단', '방탄소년단', 'a Hangul title, typed whole'],
  ['방탄', '방탄소년단', 'a Hangul title prefix'],
  ['바', '방탄소년단', 'a syllable still being composed (바 on the way to 방)'],
  ['지수', 'Jisoo', 'a Hangul alias'],
  ['beyonce', 'Beyoncé Club', 'an accented title typed without the accent'],
  ['BEYONCÉ', 'Beyoncé Club', 'upper case with the accent'],
  ['안무', 'Beyoncé Club', 'a Hangul word found only in the body text'],
];

const server = await serve(siteDir, { base: BASE });
const browser = await launchChromium();
const failures = [];
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && failures.push(`console error: ${m.text()}`));
  await page.goto(server.origin + BASE);
  for (const [query, title, what] of CASES) {
    await page.fill('#search-input', '');
    await page.focus('#search-input');
    await page.keyboard.type(query);
    let first = '';
    try {
      await page.waitForFunction(
        (t) => [...document.querySelectorAll('#search-results [role=option] .sr-title')].some((e) => e.textContent === t),
        title,
        { timeout: 8000 },
      );
      first = await page.locator('#search-results [role=option] .sr-title').first().textContent();
    } catch {
      first = (await page.locator('#search-results [role=option]').allTextContents()).join(' | ') || 'no options';
    }
    const ok = first === title;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}: "${query}" → first result "${first}"${ok ? '' : `, expected "${title}"`}`);
    if (!ok) failures.push(`"${query}" (${what}): first result "${first}", expected "${title}"`);
  }
} finally {
  await browser.close();
  await server.close();
}
if (failures.length) {
  console.error(`search-i18n: ${failures.length} problem(s):\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('search-i18n: all cases pass');
