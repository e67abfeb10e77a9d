// usages: reading the connection usages of N Deluge files of M lines each (default 2,000 × 500:
// half Creator exports (.ds) with forms, workflows, schedules and functions, half loose .dg
// scripts; comments, strings, nested blocks, and an invokeurl call every ~25 lines), from the
// working tree and from `--ref HEAD`, through the real loader (listing, reading, tokenizing,
// naming components). Each next to a floor measured in the same run: listing and reading the same
// files the cheapest way (readdirSync + readFileSync; or one ls-tree plus one cat-file --batch)
// and running a single regular expression over them, which finds the calls but cannot tell code
// from comments and strings, nor name a component. Goal: ≤ 3×.
// Scale with BENCH_USAGE_FILES, BENCH_USAGE_LINES; BENCH_RUNS runs each (best counts).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadManifests } from '../dist/manifest/load.js';
import { blobTexts, time, writeAndCommit } from './support.js';

const FILES = Number(process.env.BENCH_USAGE_FILES ?? 2000);
const LINES = Number(process.env.BENCH_USAGE_LINES ?? 500);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TARGET = 3;

// The floor's one regular expression: a connection key and its literal.
const CONNECTION = /connection\s*:\s*"([^"\n]*)"/g;

export async function run(report) {
  const dir = fileURLToPath(new URL(`.work/usages-${FILES}x${LINES}`, import.meta.url));
  const calls = await generate(dir);
  report.log(`${FILES} Deluge files × ${LINES} lines (${calls} invokeurl calls) in ${dir}; best of ${RUNS}`);

  const check = (loaded) => {
    const n = loaded.usages?.usages.length;
    if (loaded.errors.length || n !== calls || loaded.usages.warnings.length) {
      throw new Error(`usages bench: expected ${calls} usages and no warning, got ${n} and ${loaded.usages?.warnings.length} warnings`);
    }
  };
  const best = { treeFloor: Infinity, tree: Infinity, refFloor: Infinity, ref: Infinity };
  // Interleaved, so that a slow moment of the machine hits floor and subject alike.
  for (let i = 0; i < RUNS; i++) {
    best.treeFloor = Math.min(best.treeFloor, await time(() => treeFloor(dir)));
    best.tree = Math.min(best.tree, await time(async () => check(await loadManifests({ dir, usages: true }))));
    best.refFloor = Math.min(best.refFloor, await time(() => refFloor(dir)));
    best.ref = Math.min(best.ref, await time(async () => check(await loadManifests({ dir, ref: 'HEAD', usages: true }))));
  }
  report.row('usages (working tree)', { ms: best.tree, floorMs: best.treeFloor, target: TARGET, note: 'floor: readdirSync + readFileSync + one regex' });
  report.row('usages --ref HEAD', { ms: best.ref, floorMs: best.refFloor, target: TARGET, note: 'floor: ls-tree + cat-file --batch + one regex' });
}

function countMatches(texts) {
  let n = 0;
  for (const text of texts) for (const _ of text.matchAll(CONNECTION)) n++;
  return n;
}

async function treeFloor(dir) {
  const paths = [];
  const walk = (rel) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name !== '.git' && e.name !== 'node_modules') walk(p);
      } else if (e.isFile() && /\.(ds|dg|deluge)$/.test(p)) paths.push(p);
    }
  };
  walk('');
  return countMatches(paths.map((p) => readFileSync(join(dir, p), 'utf8')));
}

async function refFloor(dir) {
  return countMatches(await blobTexts(dir, [], (path) => /\.(ds|dg|deluge)$/.test(path)));
}

/** Deluge code of about `lines` lines: statements, comments, strings, blocks, and invokeurl calls. */
function code(lines, seed, indent, counter) {
  const out = [];
  let i = 0;
  while (out.length < lines) {
    const k = (seed + i++) % 12;
    if (k === 0) {
      counter.calls++;
      out.push(
        `resp_${i} = invokeurl`,
        '[',
        `\turl :"https://api.acme.example/v1/orders/" + id + "?page=${i}"`,
        '\ttype :POST',
        '\tparameters:payload.toString()',
        '\theaders:{"Content-Type":"application/json"}',
        `\tconnection:"svc_${(seed + i) % 97}"`,
        '];',
      );
    } else if (k === 1) out.push(`// step ${i}: keep the invokeurl [ connection:"not_this" ] for later`);
    else if (k === 2) out.push('/* a block comment', `   with connection:"old_${i}" inside */`);
    else if (k === 3)
      out.push(
        `if(resp_${i - 3} != null && resp_${i - 3}.get("status") == "ok")`,
        '{',
        `\tcount = count + ${i};`,
        `\tlog = log + "step ${i} done; connection:\\"x\\"";`,
        '}',
        'else',
        '{',
        '\tfailed = failed + 1;',
        '}',
      );
    else if (k === 4) out.push(`for each row in Orders[Total > ${i} && Status == "open"]`, '{', `\trow.Note = "seen at ${i}";`, '\ttotals.add(row.Total);', '}');
    else if (k === 5) out.push(`payload = {"id":id,"step":${i},"when":'01-Jan-2026 10:00:00',"tags":["a","b"]};`);
    else if (k === 6) out.push(`name_${i} = input.Customer.trim().toLowerCase() + " (" + input.Region + ")";`);
    else if (k === 7) out.push(`info "progress: " + ${i} + "/" + total;`);
    else if (k === 8)
      out.push(`sendmail`, '[', '\tfrom :zoho.adminuserid', '\tto :input.Email', `\tsubject :"Order " + id + " step ${i}"`, '\tmessage :"<p>Thanks!</p>"', ']');
    else if (k === 9) out.push(`list_${i} = List();`, `list_${i}.add(${i});`);
    else if (k === 10) out.push(`m.put("k${i}", {"nested":{"deep":[1,2,3]}});`);
    else out.push(`total = total + ifnull(row.Amount, 0) * ${i % 7};`);
  }
  return out.map((l) => indent + l).join('\n');
}

/** A workflow's `actions { custom deluge script ( CODE ) }`. */
function customScript(body) {
  return `\t\t\t\t\tactions\n\t\t\t\t\t{\n\t\t\t\t\t\tcustom deluge script\n\t\t\t\t\t\t(\n${body}\n\t\t\t\t\t\t)\n\t\t\t\t\t}`;
}

function exportFile(n, counter) {
  const body = Math.max(20, LINES - 60);
  const part = Math.floor(body / 4);
  return `/*
 * Author       : bench
 * Generated on : 01-Jan-2026 10:00:00
 */
application "Bench App ${n}"
{
\tdate format = "dd-MMM-yyyy"
\tforms
\t{
\t\tform Orders_${n}
\t\t{
\t\t\tdisplayname = "Orders ${n}"
\t\t\tCustomer
\t\t\t(
\t\t\t\ttype = text
\t\t\t)
\t\t\ton add
\t\t\t{
\t\t\t\ton validate
\t\t\t\t{
${code(part, n, '\t\t\t\t\t', counter)}
\t\t\t\t}
\t\t\t}
\t\t}
\t}
\tworkflow
\t{
\t\tform
\t\t{
\t\t\ton_add_${n} as "On add ${n}"
\t\t\t{
\t\t\t\ttype = form
\t\t\t\tform = Orders_${n}
\t\t\t\trecord event = on add
\t\t\t\ton success
\t\t\t\t{
${customScript(code(part, n + 1, '\t\t\t\t\t\t\t', counter))}
\t\t\t\t}
\t\t\t}
\t\t}
\t\tschedule
\t\t{
\t\t\tnightly_${n} as "Nightly ${n}"
\t\t\t{
\t\t\t\ton start
\t\t\t\t{
${customScript(code(part, n + 2, '\t\t\t\t\t\t\t', counter))}
\t\t\t\t}
\t\t\t}
\t\t}
\t}
\tfunctions
\t{
\t\tDeluge
\t\t{
\t\t\tmap app_${n}.sync(int id)
\t\t\t{
${code(body - 3 * part, n + 3, '\t\t\t\t', counter)}
\t\t\t}
\t\t}
\t}
}
`;
}

function scriptFile(n, counter) {
  return `// Loose script ${n}\nvoid scripts.job_${n}(int id)\n{\n${code(LINES - 4, n, '\t', counter)}\n}\n`;
}

/** Writes and commits the files once; a later run with the same size reuses them. Returns the number of calls. */
async function generate(dir) {
  const counter = { calls: 0 };
  const writes = [];
  for (let n = 0; n < FILES; n++) {
    const group = `team_${String(n % 20).padStart(2, '0')}`;
    writes.push(n % 2 === 0 ? [`apps/${group}/app_${n}.ds`, exportFile(n, counter)] : [`scripts/${group}/job_${n}.dg`, scriptFile(n, counter)]);
  }
  if (existsSync(join(dir, '.complete'))) return counter.calls;
  await writeAndCommit(dir, writes, 'bench usages');
  return counter.calls;
}
