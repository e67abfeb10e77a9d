// The benchmark runner: `npm run bench [-- NAME...]`. Runs every bench/*.bench.js (or those whose
// file name contains one of the NAMEs). A bench module exports `async function run(report)` and
// calls `report.row(name, { ms, floorMs, ratio, target, note })` once per measurement, and
// `report.log(text)` for anything else worth printing. The runner prints one table at the end.
// A row over its target is marked OVER. A row over its target by more than the noise margin (25%)
// is marked FAIL and makes the run exit 1, so that an OVER row cannot land unnoticed (issue 25);
// BENCH_LENIENT=1 reports it without failing. The machine's load (/proc/loadavg) is printed with
// the table: the figures are ratios against floors measured in the same run, but a busy machine
// still leans on CPU-bound rows more than on their floors.
// Each bench file runs in a process of its own (this file, forked with `--one FILE`), its rows
// sent back to this one: the 100k accounts one file leaves on the heap (hundreds of MB of garbage)
// are never collected in the middle of another file's rows, and a file's rows do not depend on
// which files ran before it. Floor and subject of a row still run in the same process.

import { fork } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const here = new URL('.', import.meta.url);
/** How far over its target a row may be before the run fails: the noise of a shared machine. */
const NOISE_MARGIN = 1.25;

if (process.argv[2] === '--one') {
  // A child: one bench file, its rows to the parent. Each row is sent and its delivery waited for,
  // and the last message counts them: a channel closed with messages still queued drops them.
  const sent = [];
  const send = (message) => new Promise((resolve, reject) => process.send(message, (error) => (error ? reject(error) : resolve())));
  const report = {
    row(name, { ms, floorMs, ratio, target, note } = {}) {
      const r = ratio ?? (ms !== undefined && floorMs ? ms / floorMs : undefined);
      sent.push(send({ row: { name, ms, floorMs, ratio: r, target, note } }));
      console.log(`  ${name}: ${fmt(ms)} ms${floorMs !== undefined ? ` (floor ${fmt(floorMs)} ms, ${r.toFixed(2)}×)` : ''}`);
    },
    log(text) {
      console.log(`  ${text}`);
    },
  };
  const mod = await import(new URL(process.argv[3], here));
  await mod.run(report);
  await Promise.all(sent);
  await send({ done: sent.length });
  process.disconnect();
} else {
  await runAll();
}

async function runAll() {
  const wanted = process.argv.slice(2);
  const modules = (await readdir(here)).filter((f) => f.endsWith('.bench.js') && (wanted.length === 0 || wanted.some((w) => f.includes(w)))).sort();

  const loadavg = async () => (await readFile('/proc/loadavg', 'utf8').catch(() => 'unknown')).split(' ').slice(0, 3).join(' ');
  const loadBefore = await loadavg();

  const rows = [];
  for (const file of modules) {
    console.log(`${file}`);
    const child = fork(fileURLToPath(import.meta.url), ['--one', file], { stdio: 'inherit' });
    const own = [];
    let done = null;
    child.on('message', (message) => (message.row ? own.push(message.row) : (done = message.done)));
    // 'close': the process has exited and its channel is drained.
    const code = await new Promise((resolve) => child.on('close', (c, signal) => resolve(c ?? signal)));
    if (code !== 0) throw new Error(`bench: ${file} exited with ${code}`);
    if (done !== own.length) throw new Error(`bench: ${file} reported ${done ?? 'no'} rows, ${own.length} arrived`);
    rows.push(...own);
  }

  const header = ['benchmark', 'ms', 'floor ms', 'ratio', 'target', 'note'];
  const table = rows.map((r) => [
    r.name,
    fmt(r.ms),
    fmt(r.floorMs),
    r.ratio !== undefined ? `${r.ratio.toFixed(2)}×` : '',
    r.target !== undefined ? `≤${r.target}× ${verdict(r)}` : '',
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

  console.log('');
  console.log(`load average (1, 5, 15 min): ${loadBefore} before, ${await loadavg()} after`);

  const failed = rows.filter((r) => verdict(r) === 'FAIL');
  if (failed.length) {
    console.log('');
    for (const r of failed) console.log(`FAIL: ${r.name}: ${r.ratio.toFixed(2)}× is over its goal ${r.target}× by more than ${Math.round((NOISE_MARGIN - 1) * 100)}%`);
    if (process.env.BENCH_LENIENT !== '1') process.exitCode = 1;
  }
}

/** ok, OVER (over its target, within the noise margin), or FAIL (over the margin too). */
function verdict(r) {
  if (r.target === undefined || r.ratio === undefined) return '';
  if (!(r.ratio <= r.target * NOISE_MARGIN)) return 'FAIL';
  return r.ratio <= r.target ? 'ok' : 'OVER';
}

function fmt(ms) {
  return ms === undefined ? '' : ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}
