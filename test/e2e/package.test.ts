/**
 * The npm package as a new user gets it: `npm pack`, then `npm install -g --prefix TMP ./tgz`,
 * then `connectorops init` in a new git repository, one connector and one connection, validate and
 * plan, all with the installed binary, from the temporary folder, with a PATH that leads to the
 * prefix and nowhere into this repository.
 *
 * better-sqlite3 is an optional dependency whose install script downloads a prebuilt binary from
 * GitHub (or compiles one for minutes when it cannot). To keep this test off the network beyond
 * the npm registry, the binary this repository already built is offered as a local prebuild
 * (prebuild-install's `npm_config_better_sqlite3_local_prebuilds`), which is what the download
 * would have fetched. The second install omits optional dependencies: what a CI job planning
 * against an HTTP target gets, and what it then says about local targets. It installs into a
 * project (node_modules/.bin), since npm ignores --omit with -g and a tarball (npm/cli#8284).
 * The third installs with --ignore-scripts: better-sqlite3 is there, without its native part
 * (never built); then with a native part that is not a loadable library.
 *
 * Node.js 22.13 and later have SQLite built in (node:sqlite): there, the install without optional
 * dependencies runs the README's quick start on a local target (validate, plan, apply, target *,
 * a ledger rollout, serve). `npm test` runs this file on Node 20 and on Node 24
 * (scripts/node24.mjs); the better-sqlite3 stories are Node 20's, the quick start Node 24's.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChild } from '../support/child.js';
import { ensureBuilt, ROOT } from '../support/dist.js';
import { tempDir } from '../support/target.js';

const INSTALL_TIMEOUT = 300_000;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; optionalDependencies: Record<string, string> };
const tmp = tempDir('connectorops-package-e2e-');
const withSqlite = join(tmp.dir, 'prefix-full');
const withoutSqlite = join(tmp.dir, 'project-no-optional');
const unbuiltSqlite = join(tmp.dir, 'project-ignore-scripts');
let tarball = '';

/** This Node.js has node:sqlite, so a local target needs no optional dependency. */
const BUILT_IN_SQLITE = process.getBuiltinModule('node:sqlite' as never) !== undefined;

// PATH without any entry inside this repository (vitest run through npx puts node_modules/.bin
// first), and this Node.js first: the installed command's `#!/usr/bin/env node` runs on it.
const SYSTEM_PATH = [dirname(process.execPath), ...(process.env.PATH ?? '').split(delimiter).filter((p) => p && !p.startsWith(ROOT))].join(delimiter);

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: SYSTEM_PATH,
      HOME: process.env.HOME,
      NO_COLOR: '1',
      CI: '1',
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@e',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@e',
      ...env,
    },
    timeout: INSTALL_TIMEOUT,
  });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The installed `connectorops`, found through PATH only, run in `cwd`. */
function installed(prefix: string, cwd: string, ...args: string[]) {
  const bin = prefix === withSqlite ? join(prefix, 'bin') : join(prefix, 'node_modules/.bin');
  return run('connectorops', args, cwd, { PATH: `${bin}${delimiter}${SYSTEM_PATH}` });
}

const NPM_INSTALL = ['install', '--prefer-offline', '--no-audit', '--no-fund'];

beforeAll(() => {
  ensureBuilt();
  // The build is fresh (ensureBuilt); pack what it made, as `npm pack` does after `prepare`.
  const out = ok(run('npm', ['pack', '--ignore-scripts', '--pack-destination', tmp.dir], ROOT), 'npm pack');
  tarball = join(tmp.dir, out.trim().split('\n').pop()!);

  mkdirSync(withoutSqlite);
  writeFileSync(join(withoutSqlite, 'package.json'), '{ "name": "ci-job", "private": true }\n');
  ok(run('npm', [...NPM_INSTALL, '--omit=optional', tarball], withoutSqlite), 'npm install --omit=optional');
  // better-sqlite3's stories are Node 20's: this repository's build of it is for Node 20 only.
  if (BUILT_IN_SQLITE) return;

  const prebuilds = join(tmp.dir, 'prebuilds');
  mkdirSync(prebuilds);
  const sqliteVersion = (JSON.parse(readFileSync(join(ROOT, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string }).version;
  const name = `better-sqlite3-v${sqliteVersion}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  ok(run('tar', ['czf', join(prebuilds, name), '-C', join(ROOT, 'node_modules/better-sqlite3'), 'build/Release/better_sqlite3.node'], tmp.dir), 'tar');

  // --foreground-scripts: npm drops an optional dependency whose install script fails and still
  // exits 0; its script's output is then the only trace of why (it happened once in a full CI run).
  const global = run('npm', [...NPM_INSTALL, '--foreground-scripts', '-g', '--prefix', withSqlite, tarball], tmp.dir, {
    npm_config_better_sqlite3_local_prebuilds: prebuilds,
  });
  ok(global, 'npm install -g');
  const native = join(withSqlite, 'lib/node_modules/connectorops/node_modules/better-sqlite3/build/Release/better_sqlite3.node');
  if (!existsSync(native)) throw new Error(`npm install -g left better-sqlite3 out (no ${native}):\n${global.stdout}\n${global.stderr}`);
  mkdirSync(unbuiltSqlite);
  writeFileSync(join(unbuiltSqlite, 'package.json'), '{ "name": "no-scripts", "private": true }\n');
  ok(run('npm', [...NPM_INSTALL, '--ignore-scripts', tarball], unbuiltSqlite), 'npm install --ignore-scripts');
}, 3 * INSTALL_TIMEOUT);
afterAll(() => tmp.cleanup());

describe('the packed package', () => {
  it('holds the CLI bundle, the schemas and the docs, and nothing of the sources or tests', () => {
    const files = ok(run('tar', ['tzf', tarball], tmp.dir), 'tar')
      .trim()
      .split('\n')
      .map((f) => f.replace(/^package\//, ''))
      .sort();
    for (const f of [
      'bin/connectorops.js',
      'dist/bundle/main.js',
      'dist/bundle/THIRD-PARTY-LICENSES.txt',
      'dist/bundle/studio/app.js',
      'dist/bundle/studio/app.css',
      'schema/manifest.schema.json',
      'schema/config.schema.json',
      'docs/rules.md',
      'docs/manifests.md',
      'docs/github.md',
      'README.md',
      'package.json',
    ]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => /^(src|test|bench|scripts)\/|(?<!\.d)\.ts$|\.map$/.test(f))).toEqual([]);
    // The library's entry and its declarations (docs/library.md).
    expect(files).toContain('dist/bundle/index.js');
    expect(files).toContain('dist/index.d.ts');
  });

  it('depends on nothing at run time but the optional better-sqlite3 (the rest is bundled)', () => {
    const manifest = JSON.parse(readFileSync(join(withoutSqlite, 'node_modules/connectorops/package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.optionalDependencies).toEqual({ 'better-sqlite3': pkg.optionalDependencies['better-sqlite3'] });
    expect(readdirSync(join(withoutSqlite, 'node_modules')).filter((f) => !f.startsWith('.'))).toEqual(['connectorops']);
  });
});

describe.runIf(!BUILT_IN_SQLITE)('installed with npm install -g', () => {
  it('is a copy under the prefix, not a link into this repository', () => {
    const bin = realpathSync(join(withSqlite, 'bin/connectorops'));
    expect(bin.startsWith(realpathSync(withSqlite))).toBe(true);
    expect(realpathSync(join(withSqlite, 'lib/node_modules/connectorops')).startsWith(realpathSync(withSqlite))).toBe(true);
  });

  it('answers --version from its package.json', () => {
    expect(ok(installed(withSqlite, tmp.dir, '--version'), '--version')).toBe(`connectorops ${pkg.version}\n`);
  });

  it('adopts a new repository: init, one connector and one connection, validate, plan', () => {
    const repo = join(tmp.dir, 'acme-creator');
    mkdirSync(repo);
    ok(run('git', ['init', '-q', '-b', 'main'], repo), 'git init');
    const init = ok(installed(withSqlite, repo, 'init'), 'init');
    expect(init).toContain('created connectorops.yaml');
    writeFileSync(
      join(repo, 'connectors/billing.yaml'),
      [
        '# yaml-language-server: $schema=../schema/manifest.schema.json',
        'kind: Connector',
        'linkName: billing',
        'name: Billing API',
        'authentication:',
        '  type: apiKey',
        '  parameterKey: X-Api-Key',
        '  addTo: header',
        '',
      ].join('\n'),
    );
    writeFileSync(join(repo, 'connections/billing_finance.yaml'), 'kind: Connection\nlinkName: billing_finance\nname: Billing (finance)\nconnector: billing\n');
    ok(run('git', ['add', '-A'], repo), 'git add');
    ok(run('git', ['commit', '-q', '-m', 'connectors'], repo), 'git commit');

    expect(ok(installed(withSqlite, repo, 'validate'), 'validate')).toContain('Valid: 1 connector, 1 connection');
    const plan = installed(withSqlite, repo, 'plan', '--detailed-exitcode');
    // No target yet: plan starts from an empty account and says so (only apply creates one).
    expect(plan.stderr).toMatch(/^warning: target local does not exist yet/);
    expect(plan.status).toBe(2);
    expect(plan.stdout).toContain('create connector "billing"');
    expect(plan.stdout).toContain('create connection "billing_finance"');
    expect(plan.stdout).toContain('Plan: 2 to create, 0 to update, 0 to delete.');
    // Planning creates no target: only apply (or target init/import) does.
    expect(existsSync(join(repo, '.connectorops/local.db'))).toBe(false);
    // The same from the committed tree, as a pull request's plan reads it.
    expect(installed(withSqlite, repo, 'plan', '--ref', 'HEAD', '--detailed-exitcode').status).toBe(2);
  });

  it('without optional dependencies: validates, and a local target names the missing better-sqlite3', () => {
    const repo = join(tmp.dir, 'no-native');
    mkdirSync(repo);
    ok(installed(withoutSqlite, repo, 'init'), 'init');
    expect(ok(installed(withoutSqlite, repo, 'validate'), 'validate')).toContain('Valid: 0 connectors');
    const plan = installed(withoutSqlite, repo, 'plan');
    expect(plan.status).toBe(1);
    expect(plan.stderr).toContain('a local: target needs the optional dependency better-sqlite3, which is not installed');
    expect(plan.stderr).toContain('hint: install it beside connectorops');
    expect(plan.stderr).not.toContain('Internal error');
    expect(existsSync(join(repo, '.connectorops'))).toBe(false);
  });
});

describe.runIf(!BUILT_IN_SQLITE)('the library, as docs/library.md shows it', () => {
  it("runs the page's example against the installed package: plan, render, apply with events", () => {
    const example = /## Example[\s\S]*?```js\n([\s\S]*?)```/.exec(readFileSync(join(ROOT, 'docs/library.md'), 'utf8'))?.[1];
    expect(example).toBeDefined();
    const project = join(tmp.dir, 'library-user');
    mkdirSync(join(project, 'node_modules'), { recursive: true });
    // `import 'connectorops'` resolves the globally installed copy through the project's node_modules.
    symlinkSync(join(withSqlite, 'lib/node_modules/connectorops'), join(project, 'node_modules/connectorops'), 'dir');
    ok(installed(withSqlite, project, 'init'), 'init');
    writeFileSync(
      join(project, 'connectors/billing.yaml'),
      'kind: Connector\nlinkName: billing\nname: Billing API\nauthentication:\n  type: apiKey\n  parameterKey: X-Api-Key\n  addTo: header\n',
    );
    writeFileSync(join(project, 'connections/billing_finance.yaml'), 'kind: Connection\nlinkName: billing_finance\nname: Billing (finance)\nconnector: billing\n');
    writeFileSync(join(project, 'nightly.mjs'), example!);
    const out = ok(run(process.execPath, ['nightly.mjs'], project), 'the example');
    expect(out).toContain('create connector "billing"');
    expect(out).toContain('done: connector.create billing');
    expect(out).toContain('done: connection.create billing_finance');
    expect(out).toContain('result: executed');
    expect(out).toContain('converged: true');
    // The CLI sees what the library did.
    expect(ok(installed(withSqlite, project, 'plan'), 'plan')).toContain('No changes.');
  });
});

describe.runIf(!BUILT_IN_SQLITE)('installed with npm install --ignore-scripts', () => {
  it('with better-sqlite3 installed but its native part never built, or not loadable: a local target says so, and what to do', () => {
    const sqlite = join(unbuiltSqlite, 'node_modules/better-sqlite3');
    expect(existsSync(join(sqlite, 'package.json'))).toBe(true);
    expect(existsSync(join(sqlite, 'build/Release/better_sqlite3.node'))).toBe(false);
    const repo = join(tmp.dir, 'unbuilt-native');
    mkdirSync(repo);
    ok(installed(unbuiltSqlite, repo, 'init'), 'init');
    expect(ok(installed(unbuiltSqlite, repo, 'validate'), 'validate')).toContain('Valid: 0 connectors');

    // plan reads a missing target as an empty account in memory; apply would create it.
    for (const args of [['plan'], ['apply', '--auto-approve', '--allow-empty'], ['target', 'export', '--target', 'local:other.db']]) {
      const r = installed(unbuiltSqlite, repo, ...args);
      expect(r.status, args.join(' ')).toBe(1);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines[0]).toMatch(
        /^Error: target \S+: the optional dependency better-sqlite3 is installed but cannot be loaded: its compiled part \(build\/Release\/better_sqlite3\.node\) is missing: it was installed without running its install script \(npm install --ignore-scripts\?\), or its build failed$/,
      );
      expect(lines[1]).toBe(
        `  hint: rebuild it for this Node.js (npm rebuild better-sqlite3 in ${JSON.stringify(realpathSync(unbuiltSqlite))}; its install script must be allowed to run), or reinstall connectorops; postgres:// and http(s):// targets do not need it`,
      );
      expect(lines).toHaveLength(2);
      expect(r.stderr).not.toContain('Internal error');
      expect(existsSync(join(repo, '.connectorops'))).toBe(false);
    }

    // A native part that is there but is no library for this machine (a broken or foreign build).
    mkdirSync(join(sqlite, 'build/Release'), { recursive: true });
    writeFileSync(join(sqlite, 'build/Release/better_sqlite3.node'), 'not a shared library\n');
    const r = installed(unbuiltSqlite, repo, 'plan');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^Error: target \S+: the optional dependency better-sqlite3 is installed but cannot be loaded: [^\n]*better_sqlite3\.node[^\n]*\(ERR_DLOPEN_FAILED\)\n {2}hint: rebuild it for this Node\.js/,
    );
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(2);
    expect(r.stderr).not.toContain('Internal error');
  });
});

describe.runIf(BUILT_IN_SQLITE)(`on Node.js ${process.versions.node} (node:sqlite), installed with --omit=optional`, () => {
  const repo = join(tmp.dir, 'quick-start');
  const cops = (...args: string[]) => installed(withoutSqlite, repo, ...args);
  const pass = (...args: string[]) => {
    const r = cops(...args);
    expect(r.stderr, args.join(' ')).not.toMatch(/ExperimentalWarning|better-sqlite3|Internal error/);
    return ok(r, `connectorops ${args.join(' ')}`);
  };
  const BILLING = 'kind: Connector\nlinkName: billing\nname: Billing API\nauthentication:\n  type: apiKey\n  parameterKey: X-Api-Key\n  addTo: header\n';
  const FINANCE = 'kind: Connection\nlinkName: billing_finance\nname: Billing (finance)\nconnector: billing\n';

  it('holds no native module at all', () => {
    expect(existsSync(join(withoutSqlite, 'node_modules/better-sqlite3'))).toBe(false);
  });

  it("the README's quick start on a local target: validate, plan, apply, target *", () => {
    mkdirSync(repo);
    ok(run('git', ['init', '-q', '-b', 'main'], repo), 'git init');
    pass('init');
    writeFileSync(join(repo, 'connectors/billing.yaml'), BILLING);
    writeFileSync(join(repo, 'connections/billing_finance.yaml'), FINANCE);
    expect(pass('validate')).toContain('Valid: 1 connector, 1 connection');
    const plan = cops('plan', '--detailed-exitcode');
    expect(plan.status).toBe(2);
    expect(plan.stdout).toContain('Plan: 2 to create, 0 to update, 0 to delete.');
    pass('plan', '--out', 'plan.json');
    pass('apply', 'plan.json');
    expect(existsSync(join(repo, '.connectorops/local.db'))).toBe(true);
    pass('target', 'authorize', 'billing_finance', '--account', 'alice');
    const snapshot = JSON.parse(pass('target', 'export')) as { connectors: unknown[]; connections: Array<{ authorizations: Array<{ account: string }> }> };
    expect(snapshot.connectors).toHaveLength(1);
    expect(snapshot.connections[0]?.authorizations).toHaveLength(1);
    writeFileSync(join(repo, 'snapshot.json'), JSON.stringify(snapshot));
    pass('target', 'import', 'snapshot.json', '--target', 'local:copy.db');
    expect(cops('plan', '--target', 'local:copy.db', '--detailed-exitcode').status).toBe(0);
  });

  it('a ledger rollout: target init, adopt, plan, apply, rollout next, done, status, log', () => {
    const T = ['--target', 'local:prod.db'];
    pass('target', 'init', ...T, '--mode', 'ledger', '--account', 'Acme (EU)');
    pass('target', 'adopt', ...T, '--authorized', 'billing_finance=alice');
    writeFileSync(join(repo, 'connections/billing_ops.yaml'), FINANCE.replaceAll('finance', 'ops'));
    expect(pass('plan', ...T)).toContain('create connection "billing_ops"');
    pass('apply', ...T, '--auto-approve');
    expect(pass('rollout', 'next', ...T)).toContain('a1');
    pass('rollout', 'done', 'a1', ...T, '--by', 'bob');
    expect(pass('rollout', ...T)).toContain('✓');
    expect(pass('rollout', 'log', ...T)).toContain('bob');
  });

  it('serve: a local target over HTTP, read by another connectorops', async () => {
    const token = 'quick-start-token-0123456789';
    const env = { ...process.env, PATH: `${join(withoutSqlite, 'node_modules/.bin')}${delimiter}${SYSTEM_PATH}`, CONNECTOROPS_TOKEN: token };
    const server = startChild(join(withoutSqlite, 'node_modules/connectorops/bin/connectorops.js'), ['serve', '--port', '0'], { cwd: repo, env });
    try {
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(await server.waitFor((l) => /http:\/\/127\.0\.0\.1:\d+/.test(l)))![0];
      const r = run('connectorops', ['target', 'export', '--target', url], repo, { PATH: env.PATH, CONNECTOROPS_TOKEN: token });
      expect(r.stderr).toBe('');
      expect((JSON.parse(r.stdout) as { connections: Array<{ linkName: string }> }).connections.map((c) => c.linkName)).toEqual(['billing_finance']);
    } finally {
      server.process.kill('SIGTERM');
      await server.exited;
    }
    expect(server.stderr()).not.toMatch(/ExperimentalWarning|better-sqlite3|Internal error/);
  });
});
