import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The tier of a test follows from where it lives:
 * - `test/e2e/` (the CLI end to end: its main() in-process, the real binary from `dist/` where a
 *   process is the point) and `test/slow/` (real git, PostgreSQL, child processes,
 *   fault injection at every action, the lint on injected copies): the `slow` project;
 * - everything else under `test/` is `unit` (`npm run test:unit`): no build, no child process, quick.
 * `vitest run` (`npm test`) runs both.
 */
const SLOW = ['test/e2e/**/*.test.ts', 'test/slow/**/*.test.ts'];

export default defineConfig({
  test: {
    // e2e tests spawn the built CLI and real git; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One worker per core. vitest's default keeps a core for its main process (cores − 1), which on
    // this 2-core machine ran every file one after the other, while the main process idles and an
    // e2e worker mostly waits for the CLI it spawned.
    maxWorkers: availableParallelism(),
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...SLOW],
          // The unit tier starts no child process and no server that outlives a test, so its files
          // share worker threads and their module graph (no fresh import of zod, yaml and octokit per
          // file): on this 2-core machine that is most of the tier's time. A test that needs a
          // process of its own (signals, environment, cwd) belongs in test/slow/.
          pool: 'threads',
          isolate: false,
        },
      },
      // The slow tier runs dist/: its global setup builds it once when src/ is newer.
      { extends: true, test: { name: 'slow', include: SLOW, globalSetup: ['test/support/dist.ts'] } },
    ],
  },
});
