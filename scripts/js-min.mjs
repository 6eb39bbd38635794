// Trunk post_build step (release builds): the page's JavaScript glue (wasm-bindgen's
// module, a tenth of the first load's gzip bytes) minified with terser: local names
// shortened, dead branches and white space dropped; every export and property name kept,
// since the WASM imports by them. index.html's integrity hash for it is written again.
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { minify } from 'terser';

const integrity = (text) => `sha384-${createHash('sha384').update(text).digest('base64')}`;

/** Minifies the app's glue module in `dir` (`pocket-chat-<hash>.js`). */
export async function minifyGlue(dir) {
  const index = join(dir, 'index.html');
  let html = await readFile(index, 'utf8');
  const glue = (await readdir(dir)).filter((f) => /^pocket-chat-[0-9a-f]+\.js$/.test(f));
  if (glue.length !== 1) throw new Error(`expected one pocket-chat-<hash>.js, found ${glue.length}`);
  const path = join(dir, glue[0]);
  const before = await readFile(path, 'utf8');
  const { code } = await minify(before, {
    module: true,
    ecma: 2020,
    compress: { passes: 2 },
    mangle: true,
    format: { comments: false },
  });
  if (!code) throw new Error(`terser gave nothing for ${glue[0]}`);
  await writeFile(path, code);
  if (!html.includes(integrity(before))) throw new Error(`index.html has no integrity for ${glue[0]}`);
  html = html.replaceAll(integrity(before), integrity(code));
  await writeFile(index, html);
}
