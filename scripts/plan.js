// `npm run plan`: the README's main command. Runs the CLI that `npm ci` built (its `prepare`
// script), and rebuilds first only when a source is newer than the build (or there is none), so
// that a fresh clone plans at once. Arguments after `--` go to `connectorops plan`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = join(root, 'dist/bundle/main.js');

/** The newest modification time of the files under `dir` (recursively). */
function newest(dir) {
  let time = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    time = Math.max(time, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return time;
}

const sources = Math.max(newest(join(root, 'src')), statSync(join(root, 'scripts/bundle.js')).mtimeMs);
if (!existsSync(built) || statSync(built).mtimeMs < sources) {
  process.stderr.write('connectorops: the build is missing or older than the sources; building first (npm run build)\n');
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const run = spawnSync(process.execPath, [join(root, 'bin/connectorops.js'), 'plan', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
