#!/usr/bin/env node
// The tests of `npm test` (after lint, type check and build): every test on this machine's Node.js
// (20), then on Node.js 24 (scripts/node24.mjs) the unit tier and the end-to-end files that must
// hold there (NODE24_TESTS: the local target on node:sqlite, the packed tarball installed with
// --omit=optional). Arguments go to each vitest run; `--outputFile=F` (.ci/run's JSON report)
// becomes F, F.node24-unit.json and F.node24-e2e.json, one report per run.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NODE24_EXCLUDED, NODE24_TESTS, node24 } from './node24.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const args = process.argv.slice(2);
const reportAs = (suffix) => args.map((a) => (suffix && a.startsWith('--outputFile=') ? `${a}.${suffix}.json` : a));

function vitestOn(node, label, runArgs) {
  console.log(`\n── ${label} ──`);
  const r = spawnSync(node, [vitest, 'run', ...runArgs], { cwd: root, stdio: 'inherit' });
  return r.status ?? 1;
}

let status = vitestOn(process.execPath, `every test, on Node ${process.version}`, reportAs(''));
const node = node24();
// The unit tier's files (vitest.config.ts decides), less NODE24_EXCLUDED: a CLI --exclude does not reach a project.
const unitFiles = execFileSync(process.execPath, [vitest, 'list', '--project', 'unit', '--filesOnly'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .map((line) => line.replace(/^\[unit\] /, '').trim())
  .filter((file) => file.endsWith('.test.ts') && !NODE24_EXCLUDED.includes(file));
const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
// Its unit tier, then the end-to-end files: two runs, since a file list would narrow the unit project too.
status ||= vitestOn(node, `the unit tier, on Node ${version} (${node})`, ['--project', 'unit', ...unitFiles, ...reportAs('node24-unit')]);
status ||= vitestOn(node, `the local target's end-to-end tests and the packed tarball, on Node ${version}`, [
  '--project',
  'slow',
  ...NODE24_TESTS,
  ...reportAs('node24-e2e'),
]);
process.exit(status);
