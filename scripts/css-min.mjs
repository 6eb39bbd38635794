// Trunk post_build step (release builds): the stylesheet without its comments and runs of
// white space, which are a quarter of its gzip bytes in the first load. index.html's
// integrity hash for it is written again. Only what cannot change a rule goes: comments,
// and white space around `{`, `}` and `;` or repeated (strings and selectors keep one).
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** `css` less its comments and spare white space. */
export function minifyCss(css) {
  return css
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([{};])\s*/g, '$1')
    .trim();
}

/** Minifies every stylesheet of the build in `dir` and updates index.html's integrity. */
export async function minifyStyles(dir) {
  const index = join(dir, 'index.html');
  let html = await readFile(index, 'utf8');
  for (const name of (await readdir(dir)).filter((f) => f.endsWith('.css'))) {
    const path = join(dir, name);
    const before = await readFile(path, 'utf8');
    const after = minifyCss(before);
    await writeFile(path, after);
    const integrity = (text) => `sha384-${createHash('sha384').update(text).digest('base64')}`;
    html = html.replaceAll(integrity(before), integrity(after));
  }
  await writeFile(index, html);
}
