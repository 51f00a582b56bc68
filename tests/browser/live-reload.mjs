// `kwiki serve` in a real browser: an edit reloads the open tab by itself and keeps the scroll
// position; a broken build shows the error overlay over the last good page; the fix removes it.
//
//   KWIKI_BIN=target/release/kwiki node live-reload.mjs <siteRoot> <pageFile> <pageUrlPath>
//
// <siteRoot> is a site's source folder (a copy: this script edits <pageFile> inside it and
// restores it at the end).

import fs from 'node:fs';
import path from 'node:path';
import { launchChromium, startServe, stepper, watchdog } from './lib.mjs';

const [root, pageFile, urlPath] = process.argv.slice(2);
const bin = process.env.KWIKI_BIN;
if (!root || !pageFile || !urlPath || !bin) {
  console.error('usage: KWIKI_BIN=<kwiki> node live-reload.mjs <siteRoot> <pageFile> <pageUrlPath>');
  process.exit(2);
}
watchdog('live-reload.mjs', 180);
const file = path.join(root, pageFile);
const original = fs.readFileSync(file, 'utf8');
const { failures, step } = stepper();

const { server, origin, log: serverLog } = await startServe(bin, root);

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 800, height: 500 } });
  page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
  await page.goto(origin + urlPath);
  const marker = `Edited live ${Date.now()}`;

  await step('an edit reloads the page by itself, keeping the scroll position', async () => {
    await page.evaluate(() => window.scrollTo(0, 300));
    const before = await page.evaluate(() => window.scrollY);
    if (before < 100) throw new Error(`page too short to scroll (scrollY ${before})`);
    const saved = Date.now();
    fs.writeFileSync(file, original.replace(/\n\+\+\+\n/, `\n+++\n${marker}.\n\n`));
    await page.waitForFunction((m) => document.body.innerText.includes(m), marker, { timeout: 15000, polling: 10 });
    console.log(`      edit to reloaded page: ${Date.now() - saved} ms (100 ms of it is the debounce)`);
    await page.waitForLoadState('load');
    await page.waitForTimeout(200);
    const after = await page.evaluate(() => window.scrollY);
    if (Math.abs(after - before) > 40) throw new Error(`scroll moved from ${before} to ${after}`);
  });

  await step('a broken build shows every problem over the last good page', async () => {
    fs.writeFileSync(file, original.replace('+++\n', '+++\ntitle = [broken\n'));
    const overlay = page.locator('#kwiki-serve-errors');
    await overlay.waitFor({ state: 'visible', timeout: 15000 });
    const text = await overlay.innerText();
    if (!text.includes(`${pageFile}:`)) throw new Error(`overlay does not name ${pageFile}:line:col:\n${text}`);
    if (!(await page.evaluate((m) => document.body.innerText.includes(m), marker))) {
      throw new Error('the last good page is gone under the overlay');
    }
  });

  await step('the fix removes the overlay and reloads', async () => {
    fs.writeFileSync(file, original);
    await page.waitForFunction((m) => !document.body.innerText.includes(m), marker, { timeout: 15000 });
    if (await page.locator('#kwiki-serve-errors').count()) throw new Error('overlay still shown');
  });
} finally {
  fs.writeFileSync(file, original);
  await browser.close();
  server.kill('SIGINT');
}
if (failures.length) {
  console.error(`live-reload: ${failures.length} problem(s):\n  ${failures.join('\n  ')}\nserver log:\n${serverLog()}`);
  process.exit(1);
}
console.log('live-reload: all steps pass');
