/**
 * Properties of the planner over random current states and random valid desired states.
 *
 * - Pure core: the actions are a topological order of dependsOn, ids a1…an in that order; the
 *   plan is deterministic; carried out in simulation it reaches a state whose plan is empty; or
 *   it is blocked, each entry with a rule id.
 * - On a real local target (SQLite, enforcing every rule on its own): the plan, carried out
 *   action by action, is accepted (a blocked plan's remaining actions too); the target reports exactly the revocations the plan listed;
 *   the result is the desired state, and a second plan is empty.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionBody } from '../../src/apply/executor.js';
import { UserError } from '../../src/errors.js';
import type { PlannedSecret } from '../../src/model/actions.js';
import type { Plan } from '../../src/model/plan.js';
import type { SecretName } from '../../src/model/types.js';
import { makePlan, resourceKey } from '../../src/plan/core.js';
import { differences, prove } from '../../src/plan/proof.js';
import { LocalTarget } from '../../src/targets/index.js';
import { stateToSnapshot } from '../../src/targets/snapshot.js';
import { casesArb, envVar, input, plannedSecretsOf, pureFingerprint, withFingerprints } from '../support/plan-arbitraries.js';

function expectTopological(plan: Plan): void {
  const position = new Map<string, number>();
  plan.actions.forEach((a, i) => {
    expect(a.id).toBe(`a${i + 1}`);
    for (const d of a.dependsOn) {
      expect(position.has(d), `${a.id} depends on ${d}, which does not come before it`).toBe(true);
    }
    position.set(a.id, i);
  });
}

function expectBlockedWithRules(plan: Plan): void {
  for (const b of plan.blocked) expect(b.rule).toMatch(/^R\d+$/);
}

/**
 * Registers the properties, `runs` cases for the first (the others a third or a fifth of that):
 * a quick share in the unit tier (test/plan/property.test.ts), the rest in the slow tier
 * (test/slow/plan/property.test.ts), so that the inner loop stays quick and npm test still runs
 * them all. PLAN_PROPERTY_RUNS overrides both.
 */
export function planProperties(runs: number): void {
  describe('plan properties (pure core)', () => {
    it('actions are a topological order of dependsOn; deterministic; carried out, a second plan is empty (or blocked with a rule id)', () => {
      fc.assert(
        fc.property(casesArb, fc.boolean(), ([cur, want], allowReplace) => {
          const current = withFingerprints(cur, pureFingerprint);
          const secrets = plannedSecretsOf(want.desired, want.env, pureFingerprint);
          const untouched = structuredClone(current);
          const plan = makePlan(input(current, want.desired, secrets, allowReplace));
          // The proof simulates on a shallow copy (proof.ts): the input must come out as it went in.
          expect(current).toEqual(untouched);
          expectTopological(plan);
          expect(JSON.stringify(makePlan(input(current, want.desired, secrets, allowReplace)))).toBe(JSON.stringify(plan));
          expect(plan.summary.revokes).toBe(plan.revokedAuthorizations.length);
          expect(plan.summary.blocked).toBe(plan.blocked.length);
          if (plan.blocked.length) {
            expectBlockedWithRules(plan);
            return;
          }
          const { final } = prove(current, plan.actions, null);
          const again = makePlan(input(final, want.desired, secrets, allowReplace));
          expect(again.actions.map((a) => `${a.op} ${a.linkName}`)).toEqual([]);
          expect(again.blocked).toEqual([]);
        }),
        { numRuns: runs },
      );
    });
  });

  describe('plan properties (invalid desired states)', () => {
    it('a desired state Creator does not allow is a UserError, never an InternalError', () => {
      const corruptions = ['missing-connector', 'draft-connector', 'enabled-under-disabled', 'foreign-scope', 'bad-name', 'no-secret'] as const;
      fc.assert(
        fc.property(casesArb, fc.constantFrom(...corruptions), fc.nat(10), ([cur, want], corruption, pick) => {
          const desired = structuredClone(want.desired);
          const connectors = [...desired.connectors.values()];
          const connections = [...desired.connections.values()];
          const x = connections[pick % Math.max(connections.length, 1)];
          const c = connectors[pick % Math.max(connectors.length, 1)];
          if (corruption === 'missing-connector' && x) x.connector = 'nowhere';
          if (corruption === 'draft-connector' && x) desired.connectors.get(x.connector)!.stage = 'draft';
          if (corruption === 'enabled-under-disabled' && x) {
            x.enabled = true;
            desired.connectors.get(x.connector)!.enabled = false;
          }
          if (corruption === 'foreign-scope' && x) x.scopes = ['not-offered'];
          if (corruption === 'bad-name' && c) c.name = '!bad name';
          if (corruption === 'no-secret' && c) {
            c.stage = 'ready';
            c.secrets = {};
          }
          const current = withFingerprints(cur, pureFingerprint);
          try {
            makePlan(input(current, desired, plannedSecretsOf(desired, want.env, pureFingerprint), true));
          } catch (error) {
            expect(error, (error as Error).message).toBeInstanceOf(UserError);
          }
        }),
        { numRuns: Math.ceil(runs / 3) },
      );
    });
  });

  describe('plan properties (--base scope)', () => {
    it('a scoped plan holds its resources and what they need, and reaches the desired state for them (or is blocked)', () => {
      fc.assert(
        fc.property(casesArb, fc.boolean(), fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), ([cur, want], allowReplace, picks) => {
          const current = withFingerprints(cur, pureFingerprint);
          const secrets = plannedSecretsOf(want.desired, want.env, pureFingerprint);
          const keys = [
            ...['c1', 'c2', 'c3', 'c4'].map((l) => resourceKey('Connector', l)),
            ...['x1', 'x2', 'x3', 'x4', 'x5', 'x6'].map((l) => resourceKey('Connection', l)),
          ];
          const scope = new Set(keys.filter((_, i) => picks[i]));
          // makePlan proves the scoped plan: valid action by action, and the resources in scope end as desired.
          const plan = makePlan({ ...input(current, want.desired, secrets, allowReplace), scope });
          expectTopological(plan);
          const full = makePlan(input(current, want.desired, secrets, allowReplace));
          expect(plan.actions.length).toBeLessThanOrEqual(full.actions.length);
          for (const a of plan.actions) {
            expect(full.actions.some((b) => b.op === a.op && b.linkName === a.linkName)).toBe(true);
          }
          // Nothing the manifests keep is lost: a resource deleted by a replacement is recreated too.
          const { final } = prove(current, plan.actions, null);
          for (const l of want.desired.connectors.keys()) if (current.connectors.has(l)) expect(final.connectors.has(l), l).toBe(true);
          for (const l of want.desired.connections.keys()) if (current.connections.has(l)) expect(final.connections.has(l), l).toBe(true);
        }),
        { numRuns: Math.ceil(runs / 3) },
      );
    });
  });

  describe('plan properties (a real local target)', () => {
    let dir: string;
    let target: LocalTarget;
    let fingerprints: Map<string, string>;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'connectorops-plan-prop-'));
      target = LocalTarget.open(join(dir, 'target.db'));
      const values = ['v1', 'v2', 'late'];
      const fps = await target.fingerprintSecrets(values);
      fingerprints = new Map(values.map((v, i) => [v, fps[i]!]));
    });

    afterAll(async () => {
      await target.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('the plan, carried out on the target one action at a time, is accepted and reaches the desired state; a second plan is empty', async () => {
      const fp = (v: string) => fingerprints.get(v)!;
      await fc.assert(
        fc.asyncProperty(casesArb, fc.boolean(), async ([cur, want], allowReplace) => {
          await target.importSnapshot(stateToSnapshot(withFingerprints(cur, fp)), { force: true });
          const before = await target.read();
          const secrets = plannedSecretsOf(want.desired, want.env, fp);
          const plan = makePlan(input(before.state, want.desired, secrets, allowReplace));
          expectTopological(plan);
          if (plan.blocked.length) expectBlockedWithRules(plan);
          // What apply would send: the env var's value, or (unset at plan time) whatever apply finds.
          const values = new Map<string, string>();
          for (const c of want.desired.connectors.values()) {
            for (const name of ['clientSecret', 'consumerSecret'] as const) {
              if (c.secrets[name]) values.set(envVar(c.linkName, name), want.env[c.linkName] ?? 'late');
            }
          }
          const revokedByTarget = new Set<string>();
          for (const a of plan.actions) {
            const sent: Partial<Record<SecretName, string>> = {};
            const secretsOfAction = a.op === 'connector.create' ? a.spec.secrets : a.op === 'connector.update' ? a.set.secrets : undefined;
            for (const [name, ref] of Object.entries(secretsOfAction ?? {}) as Array<[SecretName, PlannedSecret]>) sent[name] = values.get(ref.fromEnv)!;
            const result = await target.execute(actionBody(a), sent);
            for (const r of result.revoked) revokedByTarget.add(r.connection);
          }
          // A blocked plan is never applied, but what it still lists must be valid on its own.
          if (plan.blocked.length) return;
          // Exactly the revocations the target saw, plus every authorized connection the plan deletes,
          // whether a replacement deletes it or the manifests drop it (issue 8): nothing is lost unlisted.
          const deletedAuthorized = plan.actions
            .filter((a) => a.op === 'connection.delete' && (before.state.connections.get(a.linkName)?.authorizations.length ?? 0) > 0)
            .map((a) => a.linkName);
          const expected = new Set([...revokedByTarget, ...deletedAuthorized]);
          expect(new Set(plan.revokedAuthorizations.map((r) => r.connection))).toEqual(expected);
          for (const r of plan.revokedAuthorizations) {
            if (deletedAuthorized.includes(r.connection)) expect(r.cause[0], JSON.stringify(r)).toMatch(/^(deleted|replaced)$/);
          }

          const after = await target.read();
          const knownSecrets = plannedSecretsOf(want.desired, want.env, fp);
          expect(differences(after.state, want.desired, knownSecrets)).toEqual([]);
          const again = makePlan(input(after.state, want.desired, knownSecrets, allowReplace));
          expect(again.actions.map((a) => `${a.op} ${a.linkName}`)).toEqual([]);
          expect(again.blocked).toEqual([]);
        }),
        { numRuns: Math.ceil(runs / 5) },
      );
    });
  });
}
