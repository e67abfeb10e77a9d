/**
 * Child processes and the CLI run the compiled code in dist/ (`npm test` builds first): the CLI
 * (bin/connectorops.js) runs the esbuild bundle in dist/bundle/, other children the tsc output.
 * When a test file is run on its own after a source change, this rebuilds both (`npm run build`'s
 * two steps) so that a child never runs stale code. tsc emits even when some file has a type
 * error (other tests report those).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
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

/**
 * Builds dist/ when it is missing or older than src/. Test files run in parallel processes, so
 * one builds while the others wait for its lock directory to go away (a build takes seconds).
 */
export function ensureBuilt(): void {
  if (fresh()) return;
  const lock = join(ROOT, 'node_modules/.connectorops-build-lock');
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another test process is building: wait for it, then use its build.
      const since = Date.now();
      while (existsSync(lock) && Date.now() - since < 120_000) Atomics.wait(pause, 0, 0, 100);
      if (existsSync(lock)) rmSync(lock, { recursive: true, force: true });
      if (fresh()) return;
    }
  }
  try {
    spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'ignore' });
    spawnSync(process.execPath, [join(ROOT, 'scripts/bundle.js')], { cwd: ROOT, stdio: 'ignore' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  for (const f of BUILT) if (!existsSync(join(ROOT, f))) throw new Error(`npm run build did not produce ${f}`);
}
