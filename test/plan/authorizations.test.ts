/**
 * Authorizations per environment and per user in the pure planner (issue 19): one revocation per
 * authorization lost, what needs authorizing per environment, the same-authorization flag
 * (readings in docs/contract-readings.md), the authorization owner as a replacement (R19), and
 * Connection Access (A1 warnings, A2 blocks).
 */
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionBody } from '../../src/apply/executor.js';
import type { Authorization, Environment, State } from '../../src/model/types.js';
import { LocalTarget } from '../../src/targets/local/local-target.js';
import { stateToSnapshot } from '../../src/targets/snapshot.js';
import { tempDir } from '../support/target.js';
import { simulatedFingerprints, transition, World } from '../../src/rules/index.js';
import { authorizationsArbitrary } from '../support/arbitraries.js';
import type { CodeUsage } from '../../src/model/usages.js';
import { state } from '../support/builders.js';
import { desiredOf, planFor } from '../support/desired.js';
import { renderPlan } from '../../src/render/render-plan.js';

const separate = { sameAuthorizationForAllEnvironments: false } as const;
const stageBobProdAlice = [
  { environment: 'stage' as const, account: 'bob' },
  { environment: 'production' as const, account: 'alice' },
];

const code = (connection: string, app: string, line = 12): CodeUsage => ({
  connection,
  app,
  component: 'workflow:send',
  kind: 'deluge-invokeurl',
  file: `apps/${app}.ds`,
  line,
  col: 5,
});

describe('revokedAuthorizations per environment and per user', () => {
  it('a client-id change on a connection authorized in Stage by bob and in Production by alice lists both', () => {
    const current = state()
      .connector('crm')
      .connection('crm_sales', 'crm', { ...separate, authorizations: stageBobProdAlice })
      .build();
    const want = desiredOf(current);
    const crm = want.connectors.get('crm')!;
    if (crm.authentication.type === 'oauth2') crm.authentication.clientId = '1000.CHANGED';
    const plan = planFor(current, want, { environments: ['development', 'stage', 'production'] });
    expect(plan.formatVersion).toBe(2);
    expect(plan.revokedAuthorizations).toEqual([
      { connection: 'crm_sales', connector: 'crm', environment: 'stage', account: 'bob', cause: ['clientId'], rule: 'R5' },
      { connection: 'crm_sales', connector: 'crm', environment: 'production', account: 'alice', cause: ['clientId'], rule: 'R5' },
    ]);
    expect(plan.summary.revokes).toBe(2);
    expect(plan.needsAuthorization).toEqual(['crm_sales']);
    expect(plan.authorizationsNeeded).toEqual([
      { connection: 'crm_sales', environment: 'development' },
      { connection: 'crm_sales', environment: 'stage', account: 'bob' },
      { connection: 'crm_sales', environment: 'production', account: 'alice' },
    ]);
  });

  it('a logged-in user connection: one entry per user, each saying every user must authorize again, with the users known', () => {
    const current = state()
      .connector('crm')
      .connection('crm_team', 'crm', {
        authorizationOwner: 'user',
        authorizations: [
          { environment: 'all', account: 'bob@x', user: 'bob' },
          { environment: 'all', account: 'carol@x', user: 'carol' },
        ],
      })
      .build();
    const want = desiredOf(current);
    want.connections.get('crm_team')!.scopes = ['contacts.read'];
    const plan = planFor(current, want);
    expect(plan.revokedAuthorizations.map((r) => [r.user, r.everyUser, r.users, r.rule])).toEqual([
      ['bob', true, ['bob', 'carol'], 'R13'],
      ['carol', true, ['bob', 'carol'], 'R13'],
    ]);
    expect(plan.authorizationsNeeded).toEqual([{ connection: 'crm_team', environment: 'all', everyUser: true, users: ['bob', 'carol'] }]);
    // The text, Markdown and runbook renderings say it in those words.
    for (const format of ['text', 'markdown', 'runbook'] as const) {
      // (Markdown escapes the parentheses.)
      expect(renderPlan(plan, format, { color: false }).replace(/\\([()])/g, '$1'), format).toContain(
        'every user of the connection must authorize again (the users the target knows: bob, carol)',
      );
    }
  });

  it('a new logged-in user connection: the runbook says each user authorizes it on first use, once', () => {
    const current = state().connector('crm').build();
    const want = desiredOf(current);
    want.connections.set('crm_team', {
      ...desiredOf(state().connector('crm').connection('crm_team', 'crm').build()).connections.get('crm_team')!,
      authorizationOwner: 'user',
    });
    const runbook = renderPlan(planFor(current, want), 'runbook', { color: false });
    expect(runbook).toContain('Tell every user of connection "crm_team" to authorize it, each for themselves [R11].');
    expect(runbook).toContain('Why: a logged-in user connection: each user authorizes it on first use.');
    expect(runbook).not.toContain('a logged-in user connection: a logged-in user connection');
  });
});

describe('needsAuthorization for a connection the plan does not change', () => {
  const ALL = { environments: ['development', 'stage', 'production'] as Environment[] };

  it('separate authorizations, authorized in production but not stage or development: named with each environment it lacks, in every format', () => {
    const current = state()
      .connector('crm')
      .connection('crm_sales', 'crm', { ...separate, authorizations: [{ environment: 'production', account: 'alice' }] })
      .build();
    const plan = planFor(current, desiredOf(current), ALL);
    expect(plan.actions).toEqual([]);
    expect(plan.needsAuthorization).toEqual(['crm_sales']);
    expect(plan.authorizationsNeeded).toEqual([
      { connection: 'crm_sales', environment: 'development' },
      { connection: 'crm_sales', environment: 'stage' },
    ]);
    const text = renderPlan(plan, 'text', { color: false });
    expect(text).toContain("crm_sales — authorize as the connection's owner in development [R11]");
    expect(text).toContain("crm_sales — authorize as the connection's owner in stage [R11]");
    expect(text).not.toContain('in production');
    const runbook = renderPlan(plan, 'runbook', { color: false });
    expect(runbook).toContain('Stage');
    expect(runbook).toContain('Development');
    // Authorized in every environment of the account: nothing is asked.
    expect(planFor(current, desiredOf(current)).needsAuthorization).toEqual([]);
  });

  it('a shared admin connection that is authorized, or a logged-in user connection without users, is no news', () => {
    const current = state()
      .connector('crm')
      .connection('crm_sales', 'crm', { authorizations: [{ environment: 'all', account: 'alice' }] })
      .connection('crm_team', 'crm', { authorizationOwner: 'user', authorizations: [] })
      .build();
    expect(planFor(current, desiredOf(current), ALL).needsAuthorization).toEqual([]);
  });
});

describe('the same-authorization flag and the authorization owner', () => {
  it('true → false: each environment keeps the shared account; nothing is revoked', () => {
    const current = state()
      .connector('crm')
      .connection('crm_sales', 'crm', { authorizations: [{ environment: 'all', account: 'alice' }] })
      .build();
    const want = desiredOf(current);
    want.connections.get('crm_sales')!.sameAuthorizationForAllEnvironments = false;
    const plan = planFor(current, want);
    expect(plan.actions.map((a) => [a.op, a.changes.map((c) => c.path)])).toEqual([['connection.update', ['sameAuthorizationForAllEnvironments']]]);
    expect(plan.revokedAuthorizations).toEqual([]);
    expect(plan.needsAuthorization).toEqual([]);
  });

  it('false → true: production becomes the shared authorization; the others are recorded as gone (R20)', () => {
    const current = state()
      .connector('crm')
      .connection('crm_sales', 'crm', { ...separate, authorizations: stageBobProdAlice })
      .build();
    const want = desiredOf(current);
    want.connections.get('crm_sales')!.sameAuthorizationForAllEnvironments = true;
    const plan = planFor(current, want);
    expect(plan.revokedAuthorizations).toEqual([
      { connection: 'crm_sales', connector: 'crm', environment: 'stage', account: 'bob', cause: ['sameAuthorizationForAllEnvironments'], rule: 'R20' },
    ]);
    expect(plan.needsAuthorization).toEqual([]);
  });

  it('an authorization owner change is a replacement (R19), blocked without --allow-replace, every authorization lost with it', () => {
    const current = state()
      .connector('crm')
      .connection('crm_sales', 'crm', { ...separate, authorizations: stageBobProdAlice })
      .build();
    const want = desiredOf(current);
    want.connections.get('crm_sales')!.authorizationOwner = 'user';
    const blocked = planFor(current, want);
    expect(blocked.blocked).toMatchObject([{ kind: 'Connection', linkName: 'crm_sales', rule: 'R19' }]);
    expect(blocked.blocked[0]!.message).toMatch(/changes its authorization owner from admin to user/);
    const allowed = planFor(current, want, { allowReplace: true });
    expect(allowed.revokedAuthorizations.map((r) => [r.environment, r.account, r.rule, r.cause])).toEqual([
      ['stage', 'bob', 'R19', ['replaced', 'authorizationOwner']],
      ['production', 'alice', 'R19', ['replaced', 'authorizationOwner']],
    ]);
  });
});

describe('Connection Access', () => {
  it('A1: a usage from an application without access is a warning at the call, saying it will fail at run time', () => {
    const current = state()
      .connector('crm')
      .connection('crm_sales', 'crm', { access: ['sales'] })
      .build();
    const plan = planFor(current, desiredOf(current), { usages: [code('crm_sales', 'sales'), code('crm_sales', 'billing', 40)] });
    expect(plan.blocked).toEqual([]);
    expect(plan.warnings).toEqual([
      {
        code: 'A1',
        kind: 'Connection',
        linkName: 'crm_sales',
        message:
          "apps/billing.ds:40:5: application 'billing' calls connection 'crm_sales' (workflow:send), but is not in its Connection Access (access: sales): the call will fail at run time (A1)",
      },
    ]);
  });

  it('A1 for a usage the target records (no position in code): the warning names the application and the component', () => {
    const current = state()
      .connector('crm')
      .connection('crm_sales', 'crm', { access: ['sales'], usages: [{ app: 'reports', component: 'schedule:nightly', kind: 'deluge-invokeurl' }] })
      .build();
    expect(planFor(current, desiredOf(current)).warnings.map((w) => [w.code, w.message])).toEqual([
      [
        'A1',
        "application 'reports' calls connection 'crm_sales' (schedule:nightly), but is not in its Connection Access (access: sales): the call will fail at run time (A1)",
      ],
    ]);
  });

  it('A2: removing an application from access while code in it uses the connection is blocked, every usage listed', () => {
    const current = state()
      .connector('crm')
      .connection('crm_sales', 'crm', { access: ['sales', 'billing'] })
      .build();
    const want = desiredOf(current);
    want.connections.get('crm_sales')!.access = ['sales'];
    const usages = [code('crm_sales', 'billing', 40), code('crm_sales', 'billing', 90), code('crm_sales', 'sales')];
    const plan = planFor(current, want, { usages });
    expect(plan.blocked).toHaveLength(1);
    expect(plan.blocked[0]).toMatchObject({ kind: 'Connection', linkName: 'crm_sales', rule: 'A2' });
    expect(plan.blocked[0]!.usages!.map((u) => `${u.file}:${u.line}`)).toEqual(['apps/billing.ds:40', 'apps/billing.ds:90']);
    expect(plan.warnings.filter((w) => w.code === 'A1')).toEqual([]);
    // Without a usage in billing, the change goes through.
    expect(planFor(current, want, { usages: [code('crm_sales', 'sales')] }).blocked).toEqual([]);
  });
});

describe('property: revokedAuthorizations lists exactly what the target no longer holds', () => {
  it('for any authorizations and any revoking change (client id, scopes, deletion)', () => {
    fc.assert(
      fc.property(authorizationsArbitrary, fc.constantFrom('clientId', 'scopes', 'delete'), (held, change) => {
        const current = state()
          .connector('crm')
          .connection('crm_sales', 'crm', { ...held, scopes: ['contacts.read'] })
          .build();
        const want = desiredOf(current);
        const crm = want.connectors.get('crm')!;
        if (change === 'clientId' && crm.authentication.type === 'oauth2') crm.authentication.clientId = '1000.CHANGED';
        if (change === 'scopes') want.connections.get('crm_sales')!.scopes = ['contacts.write'];
        if (change === 'delete') want.connections.delete('crm_sales');
        const plan = planFor(current, want);
        const world = World.copyOf(current);
        for (const a of plan.actions) {
          const result = transition(world, a, simulatedFingerprints(a));
          if (!result.ok) throw new Error(result.violations.map((v) => v.message).join('; '));
          world.apply(result.effects);
        }
        const after = world.connection('crm_sales')?.authorizations ?? [];
        const key = (a: { environment: string; account: string; user?: string | undefined }) => `${a.environment}/${a.user ?? ''}/${a.account}`;
        const lost = held.authorizations
          .filter((a) => !after.some((b) => key(a) === key(b)))
          .map(key)
          .sort();
        expect(plan.revokedAuthorizations.map(key).sort()).toEqual(lost);
      }),
      { numRuns: 150 },
    );
  });
});

/**
 * The same promise, after apply on a real local target (SQLite, enforcing the rules on its own):
 * the target is the judge of what it no longer holds, not the planner's simulation. Two
 * connections, any authorizations each, and any change that can revoke (client id or secret,
 * scopes, deletion, a linkName change, the owner or the same-authorization flag flipped).
 */
describe('property: after apply on a real local target, revokedAuthorizations lists exactly the authorizations it no longer holds', () => {
  let tmp: ReturnType<typeof tempDir>;
  let target: LocalTarget;
  let one: string;
  let two: string;
  beforeAll(async () => {
    tmp = tempDir('connectorops-revoked-prop-');
    target = LocalTarget.open(join(tmp.dir, 'target.db'));
    [one, two] = (await target.fingerprintSecrets(['crm-s3cret-one', 'crm-s3cret-two'])) as [string, string];
  });
  afterAll(async () => {
    await target.close();
    tmp.cleanup();
  });

  const CHANGES = ['clientId', 'clientSecret', 'scopes', 'delete', 'linkName', 'owner', 'same', 'rename-only'] as const;

  /** True when `after` still holds `a` of connection `link` (readings in docs/contract-readings.md for the flag). */
  function holds(after: State, link: string, a: Authorization): boolean {
    const now = after.connections.get(link)?.authorizations ?? [];
    const same = (b: Authorization, environment: Authorization['environment']) =>
      b.account === a.account && (b.user ?? null) === (a.user ?? null) && b.environment === environment;
    if (now.some((b) => same(b, a.environment))) return true;
    // false → true: the production authorization becomes the shared one.
    if (a.environment === 'production' && now.some((b) => same(b, 'all'))) return true;
    // true → false: each environment keeps the shared account.
    return a.environment === 'all' && (['development', 'stage', 'production'] as const).every((env) => now.some((b) => same(b, env)));
  }

  it('for any authorizations of two connections and any revoking change', async () => {
    await fc.assert(
      fc.asyncProperty(authorizationsArbitrary, authorizationsArbitrary, fc.constantFrom(...CHANGES), async (sales, other, change) => {
        const current = state()
          .connector('crm', { secretFingerprints: { clientSecret: one } })
          .connection('crm_sales', 'crm', { ...sales, scopes: ['contacts.read'] })
          .connection('crm_other', 'crm', { ...other, scopes: ['contacts.read'] })
          .build();
        await target.importSnapshot(stateToSnapshot(current), { force: true });
        const before = (await target.read()).state;
        const want = desiredOf(before);
        const crm = want.connectors.get('crm')!;
        const conn = want.connections.get('crm_sales')!;
        if (change === 'clientId' && crm.authentication.type === 'oauth2') crm.authentication.clientId = '1000.CHANGED';
        if (change === 'scopes') conn.scopes = ['contacts.write'];
        if (change === 'delete') want.connections.delete('crm_sales');
        if (change === 'linkName') {
          want.connections.delete('crm_sales');
          want.connections.set('crm_sales_2', { ...conn, linkName: 'crm_sales_2' });
        }
        if (change === 'owner') conn.authorizationOwner = conn.authorizationOwner === 'admin' ? 'user' : 'admin';
        if (change === 'same') conn.sameAuthorizationForAllEnvironments = !conn.sameAuthorizationForAllEnvironments;
        if (change === 'rename-only') conn.name = 'CRM renamed';
        const plan = planFor(before, want, { allowReplace: true, fingerprints: { crm: change === 'clientSecret' ? two : one } });
        expect(plan.blocked).toEqual([]);
        for (const a of plan.actions) {
          const rotates = a.op === 'connector.update' && a.set.secrets?.clientSecret !== undefined;
          await target.execute(actionBody(a), rotates ? { clientSecret: 'crm-s3cret-two' } : {});
        }
        const after = (await target.read()).state;
        const key = (link: string, a: Authorization) => `${link}/${a.environment}/${a.user ?? ''}/${a.account}`;
        const lost = [...before.connections.values()].flatMap((c) => c.authorizations.filter((a) => !holds(after, c.linkName, a)).map((a) => key(c.linkName, a))).sort();
        expect(plan.revokedAuthorizations.map((r) => key(r.connection, r)).sort()).toEqual(lost);
      }),
      { numRuns: 120 },
    );
  });
});
