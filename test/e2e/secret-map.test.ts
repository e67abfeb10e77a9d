/**
 * The secrets map through the real CLI, as the GitHub Action passes it (CONNECTOROPS_SECRETS):
 * plan reads the secret a manifest names from it (no "not set" warning; the rotation check has a
 * fingerprint), no output holds a value, and a malformed map fails with exit 1 without its text.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../support/dist.js';
import { tempDir } from '../support/target.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => ensureBuilt());
beforeEach(() => {
  tmp = tempDir('connectorops-secret-map-e2e-');
  mkdirSync(join(tmp.dir, 'connectors'));
  writeFileSync(
    join(tmp.dir, 'connectors/crm.yaml'),
    [
      'kind: Connector',
      'linkName: crm',
      'name: Acme CRM',
      'authentication:',
      '  type: oauth2',
      '  grantType: client_credentials',
      '  clientId: 1000.ABC',
      '  clientSecret: { fromEnv: CRM_CLIENT_SECRET }',
      '  accessTokenUrl: https://accounts.acme.example/oauth/token',
      '',
    ].join('\n'),
  );
});
afterEach(() => tmp.cleanup());

const SECRET = 'sup3r-s3cret-value';

function plan(extraEnv: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, [BIN, 'plan', '--target', 'local:acct.db', '--out', 'plan.json'], {
    cwd: tmp.dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', CI: '1', ...extraEnv },
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('CONNECTOROPS_SECRETS', () => {
  it('gives plan the secret the manifest names; no output or plan file holds it', () => {
    const without = plan({});
    expect(without.out).toContain('CRM_CLIENT_SECRET is not set');
    const withMap = plan({ CONNECTOROPS_SECRETS: JSON.stringify({ CRM_CLIENT_SECRET: SECRET, UNRELATED: 'other-value' }) });
    expect(withMap.code).toBe(0);
    expect(withMap.out).not.toContain('is not set');
    expect(withMap.out).toContain('clientSecret: (sensitive)');
    const file = readFileSync(join(tmp.dir, 'plan.json'), 'utf8');
    for (const text of [withMap.out, file]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('other-value');
      expect(text).not.toContain('CONNECTOROPS_SECRETS');
    }
  });

  it('refuses a malformed map with exit 1, without quoting it', () => {
    const r = plan({ CONNECTOROPS_SECRETS: `{"CRM_CLIENT_SECRET": "${SECRET}"` });
    expect(r.code).toBe(1);
    expect(r.out).toContain('CONNECTOROPS_SECRETS is not JSON (its text is not shown: it holds secrets)');
    expect(r.out).not.toContain(SECRET);
  });

  // Issue 18, item 5: a variable named like a property of every object is a variable like any other.
  it.each(['constructor', '__proto__', 'toString'])('fromEnv: %s is read as its own variable by plan, apply and rollout done, never from a prototype', (name) => {
    const manifest = readFileSync(join(tmp.dir, 'connectors/crm.yaml'), 'utf8').replace('CRM_CLIENT_SECRET', name);
    writeFileSync(join(tmp.dir, 'connectors/crm.yaml'), manifest);
    const run = (args: string[], extraEnv: NodeJS.ProcessEnv) => {
      const r = spawnSync(process.execPath, [BIN, ...args], {
        cwd: tmp.dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', CI: '1', USER: 'ops', ...extraEnv },
      });
      expect(r.stderr).not.toMatch(/Internal error|\n {4}at /);
      return { code: r.status, out: r.stdout + r.stderr };
    };
    const map = { CONNECTOROPS_SECRETS: JSON.stringify({ [name]: SECRET }) };
    // Unset: a warning at plan, S1 at apply and at rollout done: never a function's text sent as a secret.
    expect(run(['plan', '--target', 'local:a.db'], {}).out).toContain(`${name} is not set`);
    const refused = run(['apply', '--target', 'local:a.db', '--auto-approve'], {});
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(`${name} (for connector 'crm') is not set`);
    // Set in the map: planned, applied, and recorded on a ledger.
    const planned = run(['plan', '--target', 'local:a.db'], map);
    expect(planned.code, planned.out).toBe(0);
    expect(planned.out).not.toContain('is not set');
    expect(run(['apply', '--target', 'local:a.db', '--auto-approve'], map).code).toBe(0);
    expect(run(['target', 'init', '--target', 'local:l.db', '--mode', 'ledger'], {}).code).toBe(0);
    expect(run(['apply', '--target', 'local:l.db', '--auto-approve'], map).code).toBe(0);
    const missing = run(['rollout', 'done', 'a1', '--target', 'local:l.db', '--by', 'alice'], {});
    expect(missing.code).toBe(1);
    expect(missing.out).toContain(`${name} (step a1`);
    const done = run(['rollout', 'done', 'a1', '--target', 'local:l.db', '--by', 'alice'], map);
    expect(done.code, done.out).toBe(0);
    for (const r of [planned, done]) expect(r.out).not.toContain(SECRET);
  });

  // Issue 18, item 8: a hand-edited plan file cannot make apply read, and send, another variable.
  it('a plan file whose secret reference names another variable (GITHUB_TOKEN) is stale: apply reads nothing and sends nothing', () => {
    const token = 'ghs_neverSentToTheTarget0123456789';
    expect(plan({ CRM_CLIENT_SECRET: SECRET }).code).toBe(0);
    const file = join(tmp.dir, 'plan.json');
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll('"CRM_CLIENT_SECRET"', '"GITHUB_TOKEN"'));
    const r = spawnSync(process.execPath, [BIN, 'apply', 'plan.json', '--target', 'local:acct.db'], {
      cwd: tmp.dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', CI: '1', GITHUB_TOKEN: token, CRM_CLIENT_SECRET: SECRET },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Error: the plan is stale: the plan reads GITHUB_TOKEN for clientSecret of connector "crm", but the manifests name CRM_CLIENT_SECRET');
    expect(r.stdout + r.stderr).not.toContain(token);
    // Nothing was carried out: the target was not even created.
    expect(existsSync(join(tmp.dir, 'acct.db'))).toBe(false);
  });
});
