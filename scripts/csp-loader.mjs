#!/usr/bin/env node
// Trunk post_build hook (see Trunk.toml): moves every inline <script> Trunk wrote into
// index.html (the module that loads the WASM, and under `trunk serve` the auto-reload
// script) into a file of its own next to it, so the page runs under its
// Content-Security-Policy, whose script-src allows 'self' and no inline script.
//
// Trunk runs it with TRUNK_STAGING_DIR (the build output before it moves to dist/) and
// TRUNK_PUBLIC_URL (`/`, or a subpath such as `/pocket-chat/`).
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) {
  console.error('csp-loader: TRUNK_STAGING_DIR is not set; run me as a Trunk post_build hook.');
  process.exit(1);
}
let base = process.env.TRUNK_PUBLIC_URL || '/';
if (!base.endsWith('/')) base += '/';

const page = join(staging, 'index.html');
const html = await readFile(page, 'utf8');
const files = [];
const out = html.replace(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi, (whole, attrs, body) => {
  if (/\bsrc\s*=/i.test(attrs) || !body.trim()) return whole;
  // `trunk serve` fills these in only inside HTML; in a file of their own they are filled
  // here, with what Trunk uses when it does not know the address: the page's own host.
  const code = body
    .replace(/(['`])\{\{__TRUNK_ADDRESS__\}\}\1/g, 'window.location.host')
    .replace(/\{\{__TRUNK_WS_BASE__\}\}/g, base);
  const name = `loader-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.js`;
  files.push([name, code]);
  return `<script${attrs} src="${base}${name}"></script>`;
});
if (!files.length && !/<script\b[^>]*\bsrc=/i.test(out)) {
  console.error('csp-loader: index.html has no script to load the app; did Trunk change its output?');
  process.exit(1);
}
for (const [name, code] of files) await writeFile(join(staging, name), code);
await writeFile(page, out);
console.log(`csp-loader: moved ${files.length} inline script(s) out of index.html`);
