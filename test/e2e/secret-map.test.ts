/**
 * The secrets map through the real CLI, as the GitHub Action passes it (CONNECTOROPS_SECRETS):
 * plan reads the secret a manifest names from it (no "not set" warning; the rotation check has a
 * fingerprint), no output holds a value, and a malformed map fails with exit 1 without its text.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
});
