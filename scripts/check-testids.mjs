#!/usr/bin/env node
// Every data-testid lives in the page object (e2e/pocket_chat_page.mjs): a test file reaches
// a control through its getters and methods, never by the testid itself. This check fails
// (exit 1), listing file:line, when an e2e/*.test.mjs file reaches for a testid: a
// `getByTestId(` or `testId(` call, a `[data-testid…]` selector, a `data-testid=` attribute,
// or an element's `dataset.testid`. No dependencies; run by scripts/test.sh.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const E2E = join(ROOT, 'e2e');
const REFUSED = ['getByTestId(', 'testId(', '[data-testid', 'data-testid=', 'dataset.testid'];

const files = readdirSync(E2E).filter((f) => f.endsWith('.test.mjs')).sort();
const found = [];
for (const name of files) {
  const path = join(E2E, name);
  readFileSync(path, 'utf8').split('\n').forEach((line, i) => {
    const hits = REFUSED.filter((s) => line.includes(s));
    if (hits.length) found.push(`${relative(ROOT, path)}:${i + 1}: ${hits.join(', ')}: ${line.trim()}`);
  });
}

if (found.length) {
  console.error(`A test file names a data-testid; reach it through e2e/pocket_chat_page.mjs instead:\n${found.join('\n')}`);
  process.exit(1);
}
console.log(`testids: none in ${files.length} e2e/*.test.mjs files (all in e2e/pocket_chat_page.mjs)`);
