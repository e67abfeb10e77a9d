// The benchmark runner: `npm run bench [-- NAME...]`. Runs every bench/*.bench.js (or those whose
// file name contains one of the NAMEs). A bench module exports `async function run(report)` and
// calls `report.row(name, { ms, floorMs, ratio, target, note })` once per measurement, and
// `report.log(text)` for anything else worth printing. The runner prints one table at the end.
// A row over its target is marked; BENCH_STRICT=1 makes that exit 1 (left off by default: timings
// on a shared machine are noisy, and a slow run is a finding, not a broken build).
import { readdir } from 'node:fs/promises';

const here = new URL('.', import.meta.url);
const wanted = process.argv.slice(2);
const modules = (await readdir(here)).filter((f) => f.endsWith('.bench.js') && (wanted.length === 0 || wanted.some((w) => f.includes(w)))).sort();

const rows = [];
const report = {
  row(name, { ms, floorMs, ratio, target, note } = {}) {
    const r = ratio ?? (ms !== undefined && floorMs ? ms / floorMs : undefined);
    rows.push({ name, ms, floorMs, ratio: r, target, note });
    console.log(`  ${name}: ${fmt(ms)} ms${floorMs !== undefined ? ` (floor ${fmt(floorMs)} ms, ${r.toFixed(2)}×)` : ''}`);
  },
  log(text) {
    console.log(`  ${text}`);
  },
};

for (const file of modules) {
  console.log(`${file}`);
  const mod = await import(new URL(file, here));
  await mod.run(report);
}

const header = ['benchmark', 'ms', 'floor ms', 'ratio', 'target', 'note'];
const table = rows.map((r) => [
  r.name,
  fmt(r.ms),
  fmt(r.floorMs),
  r.ratio !== undefined ? `${r.ratio.toFixed(2)}×` : '',
  r.target !== undefined ? `≤${r.target}× ${r.ratio <= r.target ? 'ok' : 'OVER'}` : '',
  r.note ?? '',
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells) =>
  cells
    .map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
    .join('  ')
    .trimEnd();
console.log('');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of table) console.log(line(row));

const over = rows.filter((r) => r.target !== undefined && r.ratio > r.target);
if (over.length && process.env.BENCH_STRICT === '1') process.exitCode = 1;

function fmt(ms) {
  return ms === undefined ? '' : ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}
