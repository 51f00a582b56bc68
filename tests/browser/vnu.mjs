// Validates every HTML page (and stylesheet and SVG) of the built site with the Nu Html Checker.
//
//   node vnu.mjs <siteDir>
//
// Runs `java -jar vnu.jar --errors-only --format gnu --stdout --also-check-css --also-check-svg`
// on every *.html, *.css and *.svg file under siteDir (one JVM), and fails on any error.
// JAVA overrides the java binary.

import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { HERE, siteDirArg } from './lib.mjs';

const siteDir = siteDirArg('vnu.mjs');
const t0 = Date.now();
const jar = path.join(HERE, 'node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');
if (!fs.existsSync(jar)) {
  console.error(`vnu.mjs: ${jar} is missing (npm ci in tests/browser)`);
  process.exit(2);
}

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? walk(p) : [p];
  });
}
const files = walk(siteDir).filter((f) => /\.(html|css|svg)$/i.test(f));
const count = (ext) => files.filter((f) => f.toLowerCase().endsWith(ext)).length;

const run = spawnSync(
  process.env.JAVA || 'java',
  ['-jar', jar, '--errors-only', '--format', 'gnu', '--stdout', '--also-check-css', '--also-check-svg', ...files],
  { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 300_000 },
);
if (run.error) {
  console.error(`vnu.mjs: could not run java: ${run.error.message}`);
  process.exit(2);
}

// gnu format: "file:/abs/path.html":LINE.COL-LINE.COL: error: MESSAGE
const prefix = new RegExp(`"?file:${siteDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`, 'g');
const lines = `${run.stdout}\n${run.stderr}`
  .split('\n')
  .map((l) => l.replace(prefix, '"'))
  .filter((l) => l.trim() !== '');
const errors = lines.filter((l) => /: (error|fatal|non-document-error)\b/.test(l) || !/: (info|warning)\b/.test(l));
const secs = ((Date.now() - t0) / 1000).toFixed(1);
console.log(`vnu: ${count('.html')} HTML, ${count('.css')} CSS, ${count('.svg')} SVG files checked, ${errors.length} errors, ${secs} s`);
if (errors.length || run.status !== 0) {
  for (const l of lines) console.log(`  ${l}`);
  if (!lines.length) console.log(`  vnu exited with status ${run.status} and no messages`);
  process.exit(1);
}
