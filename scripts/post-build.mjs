#!/usr/bin/env node
// Trunk post_build hook (see Trunk.toml), in order: move the inline loader out of
// index.html (csp-loader.mjs), then the offline part (offline.mjs): hash the data worker's
// files, write the icons and the manifest; in release builds, add the page script that
// registers the service worker (and the stylesheet and the JavaScript glue minified,
// css-min.mjs and js-min.mjs), and last the
// service worker with every file's name. A
// debug build (`trunk serve`) has no service worker: its cached self would hide each
// rebuild.
import { addPageScript, hashWorker, writeIcons, writeManifest, writeServiceWorker } from './offline.mjs';
import { minifyStyles } from './css-min.mjs';
import { minifyGlue } from './js-min.mjs';

await import('./csp-loader.mjs');
const staging = process.env.TRUNK_STAGING_DIR;
let base = process.env.TRUNK_PUBLIC_URL || '/';
if (!base.endsWith('/')) base += '/';
await hashWorker(staging);
await writeIcons(staging);
await writeManifest(staging);
if (process.env.TRUNK_PROFILE === 'release') {
  await minifyStyles(staging);
  await minifyGlue(staging);
  await addPageScript(staging, base);
  const { version, files } = await writeServiceWorker(staging);
  console.log(`post-build: service worker ${version} precaches ${files.length} files`);
}
