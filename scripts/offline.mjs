// The build's offline part, run by scripts/post-build.mjs after every Trunk build (and by
// the update test on a copied build): names the data worker's files by their content, draws
// the app's icons, and writes the service worker `sw.js` with the exact list of the build's
// files, so a new build is a new worker and an old tab still finds its own files.
import { createHash } from 'node:crypto';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

const HERE = import.meta.dirname;
const sha = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex').slice(0, 16);
};

/**
 * Renames the data worker's three files (Trunk names workers without a hash) to
 * `data-worker-<hash>…`, and tells the page the loader's name in a meta tag, so a tab of
 * an older build keeps loading its own worker after a newer build is deployed.
 */
export async function hashWorker(dir) {
  const js = await readFile(join(dir, 'data-worker.js'));
  const wasm = await readFile(join(dir, 'data-worker_bg.wasm'));
  const stem = `data-worker-${sha(js, wasm)}`;
  await rename(join(dir, 'data-worker.js'), join(dir, `${stem}.js`));
  await rename(join(dir, 'data-worker_bg.wasm'), join(dir, `${stem}_bg.wasm`));
  await rm(join(dir, 'data-worker_loader.js'));
  await writeFile(join(dir, `${stem}_loader.js`), `importScripts("./${stem}.js");wasm_bindgen("./${stem}_bg.wasm");`);
  const page = join(dir, 'index.html');
  const html = await readFile(page, 'utf8');
  const meta = `<meta name="pocket-chat-data-worker" content="${stem}_loader.js" />`;
  if (!html.includes('</head>')) throw new Error('index.html has no </head>');
  await writeFile(page, html.replace('</head>', `${meta}\n</head>`));
}

/** The value of `pub const name: &str = "…";` in the Rust file `file` (from the root). */
async function rustConst(file, name) {
  const source = await readFile(join(HERE, '..', file), 'utf8');
  const found = source.match(new RegExp(`pub const ${name}: &str = "([^"]*)";`));
  if (!found) throw new Error(`${file} has no string constant ${name}`);
  return found[1];
}

/**
 * Copies scripts/page.js (opens IndexedDB early; registers the service worker, says when a
 * new version waits) next to index.html under a name by its content, and loads it before
 * the app's loader, so it starts first and the app can ask it for a draft kept across an
 * update's reload.
 */
export async function addPageScript(dir, base) {
  // Its comments are for the reader of the source, not for every first visit.
  const source = await readFile(join(HERE, 'page.js'), 'utf8');
  if (!source.includes("'@DB_NAME@'")) throw new Error('scripts/page.js has no @DB_NAME@ to fill in');
  const code = source
    .replace("'@DB_NAME@'", JSON.stringify(await rustConst('src/storage/schema.rs', 'DB_NAME')))
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n')
    .map((line) => line.replace(/\s+\/\/ [^'"`]*$/, ''))
    .filter((line) => line.trim() && !line.trim().startsWith('//'))
    .map((line) => line.trim())
    .join('\n');
  const name = `page-${sha(code)}.js`;
  await writeFile(join(dir, name), code);
  const page = join(dir, 'index.html');
  const html = await readFile(page, 'utf8');
  const loader = html.search(/<script\b[^>]*\bsrc="[^"]*loader-[0-9a-f]+\.js"/);
  if (loader < 0) throw new Error("index.html has no loader script to put the offline script before");
  const tag = `<script type="module" src="${base}${name}"></script>\n`;
  await writeFile(page, html.slice(0, loader) + tag + html.slice(loader));
}

/** The icon: a white speech bubble with three dots on the accent colour, drawn at any
 *  size. `full` fills the square (a maskable icon keeps its drawing in the middle 80%). */
function drawIcon(size, { full = false } = {}) {
  const accent = [0x25, 0x59, 0xb8];
  const white = [0xff, 0xff, 0xff];
  const inRound = (x, y, x0, y0, x1, y1, r) => {
    if (x < x0 || x > x1 || y < y0 || y > y1) return false;
    const cx = Math.min(Math.max(x, x0 + r), x1 - r);
    const cy = Math.min(Math.max(y, y0 + r), y1 - r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
  };
  const inTail = (x, y) => y >= 0.6 && y <= 0.8 && x >= 0.3 && x <= 0.3 + (0.8 - y) * 0.9;
  // The bubble shrinks to the maskable safe zone when the background fills the square.
  const k = full ? 0.8 : 1;
  const shape = (u, v) => {
    const x = 0.5 + (u - 0.5) / k;
    const y = 0.5 + (v - 0.5) / k;
    if (!full && !inRound(u, v, 0, 0, 1, 1, 0.22)) return null;
    const dot = [0.36, 0.5, 0.64].some((dx) => (x - dx) ** 2 + (y - 0.44) ** 2 <= 0.05 ** 2);
    if (dot) return accent;
    if (inRound(x, y, 0.18, 0.22, 0.82, 0.66, 0.12) || inTail(x, y)) return white;
    return accent;
  };
  const N = 4; // samples per axis: smooth edges
  const rgba = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < N; sy++) {
        for (let sx = 0; sx < N; sx++) {
          const c = shape((px + (sx + 0.5) / N) / size, (py + (sy + 0.5) / N) / size);
          if (!c) continue;
          r += c[0]; g += c[1]; b += c[2]; a += 1;
        }
      }
      const o = (py * size + px) * 4;
      if (a) {
        rgba[o] = Math.round(r / a); rgba[o + 1] = Math.round(g / a); rgba[o + 2] = Math.round(b / a);
      }
      rgba[o + 3] = Math.round((a / (N * N)) * 255);
    }
  }
  return png(size, size, rgba);
}

/** A PNG (8-bit RGBA, no filter) from raw pixels. */
function png(width, height, rgba) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const head = Buffer.alloc(13);
  head.writeUInt32BE(width, 0);
  head.writeUInt32BE(height, 4);
  head[8] = 8; head[9] = 6; // 8 bits per channel, RGBA
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', head),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The icons the manifest and index.html name (what browsers ask for to install, and the
 *  tab's and home screen's). */
export const ICONS = [
  ['icon-192.png', 192, {}],
  ['icon-512.png', 512, {}],
  ['icon-maskable-512.png', 512, { full: true }],
  ['apple-touch-icon.png', 180, { full: true }],
  ['favicon-32.png', 32, {}],
];

export async function writeIcons(dir) {
  for (const [name, size, options] of ICONS) await writeFile(join(dir, name), drawIcon(size, options));
}

/**
 * Writes `sw.js`: scripts/service-worker.js after the build's version and file list. The
 * version is a hash of every file's name and content, so any change to the build changes
 * the worker's bytes, which is how browsers notice a new deployment.
 */
export async function writeServiceWorker(dir) {
  const names = (await readdir(dir)).filter((n) => n !== 'sw.js').sort();
  const parts = [];
  for (const n of names) parts.push(n, await readFile(join(dir, n)));
  const version = sha(...parts);
  // The app's address is the scope itself ('./'), index.html under its own name too.
  const files = ['./', ...names];
  const body = await readFile(join(HERE, 'service-worker.js'), 'utf8');
  const head = `const VERSION = ${JSON.stringify(version)};\nconst FILES = ${JSON.stringify(files)};\n`;
  await writeFile(join(dir, 'sw.js'), head + body);
  return { version, files };
}

/** The web app manifest: relative `start_url`, `scope` and icons, so the same file works
 *  at a site's root and under a subpath (they resolve against the manifest's own URL). */
export async function writeManifest(dir) {
  const manifest = {
    id: './',
    name: 'pocket-chat',
    short_name: 'pocket-chat',
    description: 'A chat client for OpenAI-style models that keeps everything in this browser.',
    start_url: './',
    scope: './',
    display: 'standalone',
    background_color: '#f7f7f8',
    theme_color: '#2559b8',
    icons: [
      { src: 'icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
      { src: 'icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
      { src: 'icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
  };
  await writeFile(join(dir, 'manifest.webmanifest'), `${JSON.stringify(manifest, null, 2)}\n`);
}
