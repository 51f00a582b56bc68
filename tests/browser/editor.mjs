// `kwiki serve`'s browser editor in a real browser: open a page's editor from its Edit button,
// edit a field and the text, see the preview follow, see an error appear at its line and go
// when fixed, save, reload and find the file changed; a conflicting save keeps both versions;
// a red link creates a new page; the editor fits a phone.
//
//   KWIKI_BIN=target/debug/kwiki node editor.mjs <siteRoot>
//
// <siteRoot> is a fixture site (a copy: this script writes into its content/), with
// content/groups/alpha.md (title Alpha, a group, no debut) linking to a missing [[Gamma]].

import fs from 'node:fs';
import path from 'node:path';
import { HERE, launchChromium, startServe, stepper, watchdog } from './lib.mjs';

const [root] = process.argv.slice(2);
const bin = process.env.KWIKI_BIN;
if (!root || !bin) {
  console.error('usage: KWIKI_BIN=<kwiki> node editor.mjs <siteRoot>');
  process.exit(2);
}
watchdog('editor.mjs', 240);
const alphaFile = path.join(root, 'content/groups/alpha.md');
const gammaFile = path.join(root, 'content/groups/gamma.md');
const { failures, step } = stepper();

const { server, origin, log: serverLog } = await startServe(bin, root);

/** The 1-based line of the textarea's text that starts with `prefix`. */
const lineOf = (value, prefix) => value.split('\n').findIndex((l) => l.startsWith(prefix)) + 1;

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // The conflict step's 409 is the answer it expects; any other failed load or error counts.
    const expected = m.text().includes('409') && m.location().url.endsWith('/__kwiki/api/save');
    if (m.type() === 'error' && !expected) failures.push(`console error: ${m.text()} (${m.location().url})`);
  });
  const text = page.locator('#text');
  const previewHtml = () => page.$eval('#preview', (f) => f.srcdoc);
  const previews = () => page.evaluate(() => Number(document.body.dataset.previewed || 0));
  const original = fs.readFileSync(alphaFile, 'utf8');

  await step('the page has an Edit button that opens its editor', async () => {
    await page.goto(origin + '/groups/alpha/');
    await page.click('#kwiki-edit');
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
    const value = await text.inputValue();
    if (value !== original) throw new Error('the editor does not hold the file as it is on disk');
    if (!(await page.locator('#path').innerText()).includes('content/groups/alpha.md')) throw new Error('the path is not shown');
    await page.waitForFunction(() => Number(document.body.dataset.previewed || 0) > 0, null, { timeout: 15000 });
    if (!(await previewHtml()).includes('Alpha is a group.')) throw new Error('no preview of the page');
  });

  await step('axe finds no accessibility problem in the editor', async () => {
    await page.evaluate(fs.readFileSync(path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8'));
    const found = await page.evaluate(() => window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      resultTypes: ['violations'],
    }));
    const problems = found.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    if (problems.length) throw new Error(problems.join('; '));
  });

  await step('editing a field writes it into the front matter and the preview shows it', async () => {
    await page.getByLabel('Debut', { exact: true }).fill('2016');
    await page.waitForFunction(() => document.getElementById('text').value.includes('debut = 2016'), null, { timeout: 10000 });
    await page.waitForFunction(() => /Debut<\/dt>\s*<dd>2016/.test(document.getElementById('preview').srcdoc), null, { timeout: 10000 });
  });

  await step('a link field offers the titles of its kind and warns of a red link as you type', async () => {
    const agency = page.getByLabel('Agency', { exact: true });
    await agency.fill('Nowhere Entertainment');
    const hint = page.locator('#field-agency-hint');
    if (!/red link/.test(await hint.innerText())) throw new Error(`no warning: ${await hint.innerText()}`);
    await page.waitForFunction(() => document.getElementById('text').value.includes('agency = "Nowhere Entertainment"'), null, { timeout: 10000 });
    await agency.fill('');
    await page.waitForFunction(() => !document.getElementById('text').value.includes('agency ='), null, { timeout: 10000 });
    // Members link people: Kim is offered, the group Beta is not.
    await page.getByRole('button', { name: 'Add members' }).click();
    const member = page.getByLabel('Members 1', { exact: true });
    const offered = await page.$$eval(`#${await member.getAttribute('list')} option`, (o) => o.map((x) => x.value));
    if (!offered.includes('Kim') || offered.includes('Beta')) throw new Error(`members offered: ${offered}`);
    await member.fill('Beta');
    const memberHint = page.locator('.field[data-key="members"] .hint');
    if (!/red link/.test(await memberHint.innerText())) throw new Error('a group as a member is not questioned');
    await member.fill('Kim');
    if (/red link/.test(await memberHint.innerText())) throw new Error('Kim is questioned');
    await page.waitForFunction(() => document.getElementById('text').value.includes('members = ["Kim"]'), null, { timeout: 10000 });
    await page.getByRole('button', { name: 'Remove Members 1' }).click();
    await page.waitForFunction(() => !document.getElementById('text').value.includes('members ='), null, { timeout: 10000 });
  });

  await step('editing the text updates the preview', async () => {
    await text.focus();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\nEdited in the browser, with [[Beta]].\n');
    await page.waitForFunction(() => document.getElementById('preview').srcdoc.includes('Edited in the browser, with'), null, { timeout: 10000 });
  });

  await step('a bad year is an error at its line, with a mark there, and the form says so', async () => {
    const field = page.getByLabel('Debut', { exact: true });
    await field.fill('20x6');
    const hint = await page.locator('#field-debut-hint').innerText();
    if (!/Not a year/.test(hint)) throw new Error(`no message as you type: ${JSON.stringify(hint)}`);
    await page.waitForFunction(() => document.getElementById('text').value.includes('debut = "20x6"'), null, { timeout: 10000 });
    const line = lineOf(await text.inputValue(), 'debut');
    await page.waitForSelector(`#marks span.error[data-line="${line}"]`, { timeout: 10000 });
    const problem = page.locator('#problems li.error').first();
    const said = await problem.innerText();
    if (!said.includes(`line ${line}:`) || !said.includes('year')) throw new Error(`problem list says ${JSON.stringify(said)}`);
    // The form says it under the field too, and the bar counts it.
    const under = await page.locator('.field[data-key="debut"] .problem.error').innerText();
    if (!under.includes(`Line ${line}:`)) throw new Error(`the field does not show the problem: ${JSON.stringify(under)}`);
    if (!/1 error/.test(await page.locator('#bar-problems').innerText())) throw new Error('the bar does not count the error');
    // Clicking the problem puts the cursor on its line.
    await problem.locator('button').click();
    const at = await page.evaluate(() => {
      const t = document.getElementById('text');
      return t.value.slice(0, t.selectionStart).split('\n').length;
    });
    if (at !== line) throw new Error(`the cursor went to line ${at}, not ${line}`);
    if (!(await page.$eval('#save', (b) => !b.disabled))) throw new Error('save is not offered');
  });

  await step('fixing it in the text removes the error and the mark', async () => {
    const value = await text.inputValue();
    const before = await previews();
    await text.fill(value.replace('debut = "20x6"', 'debut = 2016'));
    await page.waitForFunction((n) => Number(document.body.dataset.previewed || 0) > n, before, { timeout: 10000 });
    await page.waitForFunction(() => !document.querySelector('#problems li.error') && !document.querySelector('#marks span.error')
      && !document.querySelector('.field .problem.error'), null, { timeout: 10000 });
    // The form follows the text.
    await page.locator('#save').focus();
    await page.waitForFunction(() => document.getElementById('field-debut').value === '2016', null, { timeout: 10000 });
  });

  await step('Ctrl+S saves; the file on disk has both edits; a reload shows them', async () => {
    await text.focus();
    await page.keyboard.press('Control+s');
    await page.waitForFunction(() => document.getElementById('status').textContent === 'Saved', null, { timeout: 10000 });
    const disk = fs.readFileSync(alphaFile, 'utf8');
    if (!disk.includes('debut = 2016\n+++')) throw new Error(`the field is not in the file:\n${disk}`);
    if (!disk.includes('Edited in the browser, with [[Beta]].')) throw new Error(`the text is not in the file:\n${disk}`);
    if (!disk.startsWith('+++\ntitle = "Alpha"\ndebut = 2016\n+++\nAlpha is a group.')) throw new Error(`the file lost its start:\n${disk}`);
    const leftovers = fs.readdirSync(path.dirname(alphaFile)).filter((n) => n.endsWith('.tmp'));
    if (leftovers.length) throw new Error(`temporary files left: ${leftovers}`);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
    if ((await text.inputValue()) !== disk) throw new Error('the reloaded editor does not show the saved file');
    // The site itself was rebuilt from the saved file.
    await page.goto(origin + '/groups/alpha/');
    await page.waitForFunction(() => document.body.innerText.includes('Edited in the browser'), null, { timeout: 15000 });
  });

  await step('a save over a file changed on disk is refused and shows both versions', async () => {
    await page.goto(origin + '/__kwiki/edit?path=content/groups/alpha.md');
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
    const theirs = fs.readFileSync(alphaFile, 'utf8').replace('Alpha is a group.', 'Alpha is a group (edited elsewhere).');
    fs.writeFileSync(alphaFile, theirs);
    await text.focus();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('Mine too.\n');
    await page.click('#save');
    await page.locator('#conflict').waitFor({ state: 'visible', timeout: 10000 });
    const mine = await page.locator('#mine').inputValue();
    const onDisk = await page.locator('#theirs').inputValue();
    if (!mine.includes('Mine too.')) throw new Error('my version is not shown');
    if (onDisk !== theirs) throw new Error('the version on disk is not shown as it is');
    if (fs.readFileSync(alphaFile, 'utf8') !== theirs) throw new Error('the file on disk was overwritten');
    if (!(await text.inputValue()).includes('Mine too.')) throw new Error('my text left the editor');
    await page.click('#overwrite');
    await page.locator('#conflict').waitFor({ state: 'hidden', timeout: 10000 });
    if (!fs.readFileSync(alphaFile, 'utf8').includes('Mine too.')) throw new Error('saving mine over it did not write');
  });

  await step('a red link opens a new page, created in the chosen kind\'s folder', async () => {
    await page.goto(origin + '/groups/alpha/');
    await page.waitForFunction(() => document.querySelector('a.new')?.href.includes('/__kwiki/edit?new='), null, { timeout: 10000 });
    await page.click('a.new');
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
    await page.selectOption('#new-kind', 'group');
    const shown = await page.locator('#new-path').innerText();
    if (shown !== 'content/groups/gamma.md') throw new Error(`new path ${shown}`);
    await text.focus();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('Gamma is a group.\n');
    await page.waitForFunction(() => document.getElementById('preview').srcdoc.includes('Gamma is a group.'), null, { timeout: 10000 });
    await page.click('#save');
    await page.waitForFunction(() => document.getElementById('status').textContent === 'Saved', null, { timeout: 10000 });
    const made = fs.readFileSync(gammaFile, 'utf8');
    if (!made.startsWith('+++\ntitle = "Gamma"\n+++\n') || !made.includes('Gamma is a group.')) throw new Error(`new file:\n${made}`);
    if (!page.url().includes('path=content%2Fgroups%2Fgamma.md')) throw new Error(`the editor is not the new page's now: ${page.url()}`);
  });

  await step('a file with CRLF line ends keeps them when saved', async () => {
    const betaFile = path.join(root, 'content/groups/beta.md');
    fs.writeFileSync(betaFile, fs.readFileSync(betaFile, 'utf8').replace(/\r?\n/g, '\r\n'));
    await page.goto(origin + '/__kwiki/edit?path=content/groups/beta.md');
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
    if (!(await page.$eval('#save', (b) => b.disabled))) throw new Error('an unchanged CRLF file counts as changed');
    await page.getByLabel('Debut', { exact: true }).fill('2015');
    await page.waitForFunction(() => document.getElementById('text').value.includes('debut = 2015'), null, { timeout: 10000 });
    await page.keyboard.press('Control+s');
    await page.waitForFunction(() => document.getElementById('status').textContent === 'Saved', null, { timeout: 10000 });
    const saved = fs.readFileSync(betaFile, 'utf8');
    if (!saved.includes('debut = 2015\r\n') || /[^\r]\n/.test(saved)) throw new Error(`line ends changed: ${JSON.stringify(saved)}`);
  });

  await step('on a phone (360 px) nothing overflows and every input has a label', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(origin + '/__kwiki/edit?path=content/groups/alpha.md');
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    if (wide > 360) throw new Error(`the page is ${wide} px wide`);
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
      .filter((el) => !el.labels?.length && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
      .map((el) => el.id || el.outerHTML.slice(0, 60)));
    if (unlabelled.length) throw new Error(`inputs without a label: ${unlabelled.join(', ')}`);
  });

  await step('the preview keeps its scroll position as the text changes', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(origin + '/__kwiki/edit?path=content/groups/beta.md');
    await page.waitForSelector('body[data-ready="true"]', { timeout: 15000 });
    const long = (await text.inputValue()) + Array.from({ length: 60 }, (_, i) => `Paragraph ${i} of a long page.\n`).join('\n');
    let before = await previews();
    await text.fill(long);
    await page.waitForFunction((n) => Number(document.body.dataset.previewed || 0) > n, before, { timeout: 10000 });
    await page.waitForFunction(() => document.getElementById('preview').srcdoc.includes('Paragraph 59'), null, { timeout: 10000 });
    await page.evaluate(() => document.getElementById('preview').contentWindow.scrollTo(0, 600));
    before = await previews();
    await text.fill(long + '\nOne more line.\n');
    await page.waitForFunction((n) => Number(document.body.dataset.previewed || 0) > n, before, { timeout: 10000 });
    await page.waitForTimeout(300);
    const y = await page.evaluate(() => document.getElementById('preview').contentWindow.scrollY);
    if (Math.abs(y - 600) > 5) throw new Error(`the preview scrolled to ${y}`);
  });
} finally {
  await browser.close();
  server.kill('SIGINT');
}
if (failures.length) {
  console.error(`editor: ${failures.length} problem(s):\n  ${failures.join('\n  ')}\nserver log:\n${serverLog()}`);
  process.exit(1);
}
console.log('editor: all steps pass');
