/**
 * `target init`, `target adopt` and `rollout …` refusals, in-process (main(argv, io)) over real
 * SQLite files in a temp dir: each refusal exits 1, says what to do, and changes nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { LocalTarget } from '../../src/targets/local/local-target.js';
import { memIo } from '../apply/support.js';
import { tempDir } from '../support/target.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('connectorops-rollout-cmd-');
  mkdirSync(join(tmp.dir, 'connectors'));
  mkdirSync(join(tmp.dir, 'connections'));
  writeFileSync(
    join(tmp.dir, 'connectors/crm.yaml'),
    `kind: Connector
linkName: crm
name: Acme CRM
authentication:
  type: oauth2
  grantType: authorization_code
  clientId: 1000.ABC
  clientSecret: { fromEnv: CRM_SECRET }
  authorizeUrl: https://accounts.acme.example/oauth/authorize
  accessTokenUrl: https://accounts.acme.example/oauth/token
  refreshTokenUrl: https://accounts.acme.example/oauth/token
  scopes: [contacts.read]
`,
  );
  writeFileSync(join(tmp.dir, 'connections/crm_sales.yaml'), 'kind: Connection\nlinkName: crm_sales\nname: CRM sales\nconnector: crm\nscopes: [contacts.read]\n');
});
afterEach(() => tmp.cleanup());

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memIo(tmp.dir, { USER: 'tester', NO_COLOR: '1' });
  const code = await main([...argv, '--target', 'local:acct.db'], io);
  return { code, out: io.out(), err: io.err() };
}

async function exported(): Promise<string> {
  const t = LocalTarget.open(join(tmp.dir, 'acct.db'));
  try {
    return JSON.stringify([await t.exportSnapshot(), await t.info(), (await t.read()).serial]);
  } finally {
    await t.close();
  }
}

describe('target init', () => {
  it('needs --mode ledger or simulated; refuses another mode once initialized', async () => {
    expect((await cli('target', 'init')).err).toContain('target init needs --mode ledger or --mode simulated');
    expect((await cli('target', 'init', '--mode', 'real')).err).toContain("--mode is ledger or simulated, not 'real'");
    expect((await cli('target', 'init', '--mode', 'simulated')).code).toBe(0);
    expect((await cli('target', 'init', '--mode', 'simulated')).code).toBe(0);
    const other = await cli('target', 'init', '--mode', 'ledger');
    expect(other.code).toBe(1);
    expect(other.err).toContain('is already a simulated target; nothing was changed');
  });
});

describe('target adopt', () => {
  it('records the manifests as the ledger state: unauthorized unless --authorized; without the secret, no fingerprint and a warning', async () => {
    const r = await cli('target', 'adopt', '--authorized', 'crm_sales=alice');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('warning: CRM_SECRET is not set: that secret’s fingerprint is not recorded');
    expect(r.err).toContain('with nothing to do in Creator');
    const t = LocalTarget.open(join(tmp.dir, 'acct.db'));
    try {
      expect(await t.info()).toEqual({ mode: 'ledger', account: null, initialized: true });
      const { state } = await t.read();
      expect(state.connectors.get('crm')).toMatchObject({ stage: 'ready', enabled: true, secretFingerprints: {} });
      expect(state.connections.get('crm_sales')!.authorizations).toEqual([{ environment: 'all', account: 'alice' }]);
    } finally {
      await t.close();
    }
  });

  it('refuses a target that is not empty, a simulated target, and --authorized of an unknown connection; nothing changes', async () => {
    expect((await cli('target', 'adopt')).code).toBe(0);
    const before = await exported();
    const again = await cli('target', 'adopt');
    expect(again.code).toBe(1);
    expect(again.err).toContain('is not empty (1 connector, 1 connection); nothing was adopted');
    expect(await exported()).toBe(before);

    expect(await main(['target', 'init', '--mode', 'simulated', '--target', 'local:sim.db'], memIo(tmp.dir, {}))).toBe(0);
    const io = memIo(tmp.dir, {});
    expect(await main(['target', 'adopt', '--target', 'local:sim.db'], io)).toBe(1);
    expect(io.err()).toContain('is a simulated target: adopt records a real account');

    const io2 = memIo(tmp.dir, {});
    expect(await main(['target', 'adopt', '--target', 'local:new.db', '--authorized', 'ghost=alice'], io2)).toBe(1);
    expect(io2.err()).toContain("the manifests define no connection 'ghost'");
    expect(await main(['target', 'adopt', '--target', 'local:new.db', '--authorized', 'crm_sales'], memIo(tmp.dir, {}))).toBe(1);
  });
});

describe('rollout', () => {
  it('without an open rollout: says so, with what opens one', async () => {
    expect((await cli('target', 'init', '--mode', 'ledger')).code).toBe(0);
    // A status, not an error (issue 24): exit 0.
    const r = await cli('rollout');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      'Target local:acct.db has no open rollout. On a ledger target, connectorops apply --target local:acct.db opens one; connectorops rollout log --target local:acct.db shows past rollouts.\n',
    );
    const next = await cli('rollout', 'next');
    expect(next.code).toBe(1);
    expect(next.err).toContain('has no open rollout');
    expect((await cli('rollout', 'log')).out).toBe('No rollouts on this target.\n');
    expect((await cli('rollout', 'bogus')).err).toContain("unknown subcommand 'bogus'");
    expect((await cli('rollout', 'abandn')).err).toContain("did you mean 'abandon'?");
  });

  it('done: an unknown step is refused, naming the steps there are', async () => {
    expect((await cli('target', 'init', '--mode', 'ledger')).code).toBe(0);
    const apply = await cli('apply', '--auto-approve');
    expect(apply.code, apply.err).toBe(0);
    expect(apply.out).toMatch(/Rollout r-[0-9a-f]{6} opened on local:acct\.db: 4 steps\./);
    const r = await cli('rollout', 'done', 'a9');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/has no step a9 \(its steps are a1, a2, a3, auth1\)/);
  });
});
