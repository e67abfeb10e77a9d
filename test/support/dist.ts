/**
 * Child processes and the CLI run the compiled code in dist/ (`npm install` builds it): the CLI
 * (bin/connectorops.js) runs the esbuild bundle in dist/bundle/, other children the tsc output.
 * After a source change, the slow project's global setup rebuilds both (`npm run build`'s two
 * steps) before its test files start, so that a child never runs stale code. tsc emits even when
 * some file has a type error (other tests report those).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin/connectorops.js');

function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path, ext));
    else if (entry.name.endsWith(ext)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const BUILT = ['dist/cli/main.js', 'dist/bundle/main.js'];
const fresh = () => {
  if (!BUILT.every((f) => existsSync(join(ROOT, f)))) return false;
  const source = Math.max(newestMtime(join(ROOT, 'src'), '.ts'), statSync(join(ROOT, 'scripts/bundle.js')).mtimeMs);
  return newestMtime(join(ROOT, 'dist/bundle'), '.js') >= source && newestMtime(join(ROOT, 'dist/cli'), '.js') >= source;
};

/** Runs `npm run build`'s two steps (tsc, then the esbuild bundle) and checks their output. */
function build(): void {
  spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'ignore' });
  spawnSync(process.execPath, [join(ROOT, 'scripts/bundle.js')], { cwd: ROOT, stdio: 'ignore' });
  for (const f of BUILT) if (!existsSync(join(ROOT, f))) throw new Error(`npm run build did not produce ${f}`);
}

/**
 * The slow project's global setup (vitest.config.ts): builds dist/ once, before any test file
 * starts, when it is missing or older than src/. No test process then builds in parallel with
 * another, so there is nothing to wait for.
 */
export default function setup(): void {
  if (!fresh()) build();
}

/**
 * Builds dist/ when it is missing or older than src/: for a test file run outside the slow project
 * (its global setup has built already otherwise, and this returns at once).
 */
export function ensureBuilt(): void {
  if (!fresh()) build();
}
