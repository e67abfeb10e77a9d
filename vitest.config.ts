import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Tests that need the build (`dist/`), start processes (the CLI, git, a lock holder, a PostgreSQL
 * server) or run for long (fault injection at every action of an apply): the `slow` project.
 * Everything else is `unit` (`npm run test:unit`): no build, no child process, quick.
 * `vitest run` (`npm test`) runs both.
 */
const SLOW = [
  'test/e2e/**/*.test.ts',
  'test/git/**/*.test.ts',
  'test/manifest/git-source.test.ts',
  'test/manifest/load.test.ts',
  'test/manifest/schema.test.ts',
  'test/github/workflows.test.ts',
  'test/targets/crash.test.ts',
  'test/targets/lock.test.ts',
  'test/targets/postgres.test.ts',
  'test/targets/conformance.test.ts',
  'test/targets/concurrent.test.ts',
  'test/apply/faults.test.ts',
  'test/render/many-usages.test.ts',
];

export default defineConfig({
  test: {
    // e2e tests spawn the built CLI and real git; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...SLOW] } },
      { extends: true, test: { name: 'slow', include: SLOW } },
    ],
  },
});
