// install: the packed tarball (npm pack) installed into an empty project, as every CI job that
// plans does, with the optional better-sqlite3 and without it (--omit=optional: what a job against
// an HTTP or PostgreSQL target needs). Floor, measured in the same run: `npm install` of the same
// empty project with nothing to add (npm's own start-up and bookkeeping).
// Offline where possible (--prefer-offline: the npm cache), and better-sqlite3's prebuilt binary is
// offered as a local prebuild made from this repository's build, standing in for the download from
// GitHub that its install script does (this machine cannot reach GitHub; compiling instead takes
// minutes). So the figures are install work, not network. BENCH_RUNS runs each (best counts).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const root = fileURLToPath(new URL('..', import.meta.url));
const work = fileURLToPath(new URL('.work/install/', import.meta.url));
const NPM = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

export async function run(report) {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'prebuilds'), { recursive: true });
  const tarball = join(work, execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop());
  const sqlite = JSON.parse(readFileSync(join(root, 'node_modules/better-sqlite3/package.json'), 'utf8')).version;
  const prebuild = `better-sqlite3-v${sqlite}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  execFileSync('tar', ['czf', join(work, 'prebuilds', prebuild), '-C', join(root, 'node_modules/better-sqlite3'), 'build/Release/better_sqlite3.node']);
  const env = { ...process.env, npm_config_better_sqlite3_local_prebuilds: join(work, 'prebuilds') };

  const install = (name, args) => {
    const dir = join(work, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), '{ "name": "bench-install", "private": true }\n');
    const start = performance.now();
    const r = spawnSync('npm', [...NPM, ...args], { cwd: dir, env, encoding: 'utf8' });
    const ms = performance.now() - start;
    if (r.status !== 0) throw new Error(`install bench: npm ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return name === 'floor' ? { ms } : { ms, size: du(join(dir, 'node_modules')), packages: count(dir) };
  };
  const best = { floor: { ms: Infinity }, full: { ms: Infinity }, lean: { ms: Infinity } };
  for (let i = 0; i < RUNS; i++) {
    const floor = install('floor', []);
    const full = install('full', [tarball]);
    const lean = install('lean', ['--omit=optional', tarball]);
    for (const [k, v] of Object.entries({ floor, full, lean })) if (v.ms < best[k].ms) best[k] = v;
  }
  report.log(`best of ${RUNS}; tarball ${tarball}`);
  report.row('install (with better-sqlite3)', { ms: best.full.ms, floorMs: best.floor.ms, note: `${best.full.packages} packages, ${best.full.size}` });
  report.row('install --omit=optional', { ms: best.lean.ms, floorMs: best.floor.ms, note: `${best.lean.packages} package, ${best.lean.size}` });
}

function du(dir) {
  return execFileSync('du', ['-sh', dir], { encoding: 'utf8' }).split('\t')[0];
}

function count(dir) {
  const out = execFileSync('npm', ['ls', '--all', '--parseable'], { cwd: dir, encoding: 'utf8' });
  return out.trim().split('\n').length - 1;
}
