// Compares two benchmark runs (by default the 2,000- and 20,000-message ones written by
// scripts/bench.sh): each figure's median in the second run over the first. The
// benchmark issue asks for flat cost: every ratio within 1.5×; so does a thread with a
// branch every 100 exchanges against a straight one of the same length.
//
//   node bench/flat.mjs [target/bench.json] [target/bench-20k.json]
import { readFile } from 'node:fs/promises';

const [shortPath = 'target/bench.json', longPath = 'target/bench-20k.json'] = process.argv.slice(2);
const short = JSON.parse(await readFile(shortPath, 'utf8'));
const long = JSON.parse(await readFile(longPath, 'utf8'));
const what = (r) => `${r.messages} messages${r.branchEvery ? ` (a branch every ${r.branchEvery})` : ''}`;
console.log(`flat cost: ${what(long)} over ${what(short)} (median / median)`);
let worst = 0;
for (const [name, s] of Object.entries(short.figures)) {
  const l = long.figures[name];
  if (!l || /first load|frame rate/.test(name)) continue; // size does not depend on history; fps is higher-is-better
  const ratio = s.median > 0 ? l.median / s.median : l.median > 0 ? Infinity : 1;
  worst = Math.max(worst, ratio);
  console.log(`${name.padEnd(58)} ${String(s.median.toFixed(1)).padStart(8)} ${String(l.median.toFixed(1)).padStart(8)} ${ratio.toFixed(2).padStart(6)}×`);
}
const fps = (r) => r.figures['paced stream: frame rate (fps)']?.median;
if (fps(short) && fps(long)) console.log(`${'paced stream: frame rate (fps)'.padEnd(58)} ${fps(short).toFixed(1).padStart(8)} ${fps(long).toFixed(1).padStart(8)}`);
console.log(`worst ratio: ${worst.toFixed(2)}× (target ≤ 1.5×)`);
