/**
 * A plan file's actions are checked through `PlannedActionOneSchema` (one object per op) instead of
 * `PlannedActionSchema` (the body's union intersected with the plan's fields): it must accept
 * exactly the same actions and give the same value, key order included; a plan it refuses is
 * checked again through PlanSchema (parsePlan), so the issues people see stay PlanSchema's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OPS, PlannedActionOneSchema, PlannedActionSchema } from '../../src/model/actions.js';
import { parsePlan } from '../../src/model/plan-document.js';
import { PlanSchema } from '../../src/model/plan.js';
import { RuleIdSchema } from '../../src/model/types.js';

/** Mostly what a plan holds, sometimes not: every field may be missing, of another type, or one too many. */
const odd = fc.oneof(fc.anything(), fc.constant(undefined), fc.constant(null));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 30, arbitrary: arb }, { weight: 1, arbitrary: odd });
const secret = maybe(fc.record({ fromEnv: maybe(fc.string()), fingerprint: maybe(fc.option(fc.string())), value: fc.string() }, { requiredKeys: ['fromEnv'] }));
const secrets = maybe(fc.record({ clientSecret: secret, consumerSecret: secret, other: secret }, { requiredKeys: [] }));
const authentication = maybe(
  fc.oneof(
    fc.constant({ type: 'basic' }),
    fc.record(
      { type: fc.constant('apiKey'), parameterKey: maybe(fc.string()), displayName: fc.string(), addTo: fc.constantFrom('header', 'query', 'x') },
      { requiredKeys: ['type'] },
    ),
    fc.record({ type: fc.constant('apiKey'), parameters: fc.array(fc.record({ parameterKey: fc.string(), displayName: fc.string() }), { maxLength: 2 }) }),
    fc.record({ type: fc.constantFrom('oauth2', 'oauth1', 'nope'), clientId: fc.string(), scopes: fc.array(fc.string(), { maxLength: 2 }) }, { requiredKeys: ['type'] }),
  ),
);
const texts = maybe(fc.array(maybe(fc.string()), { maxLength: 3 }));
const spec = maybe(
  fc.oneof(
    fc.record({ name: maybe(fc.string()), description: maybe(fc.string()), authentication, secrets, extra: fc.string() }, { requiredKeys: [] }),
    fc.record(
      {
        name: maybe(fc.string()),
        connector: maybe(fc.string()),
        scopes: texts,
        authorizationOwner: maybe(fc.constantFrom('admin', 'user', 'other')),
        sameAuthorizationForAllEnvironments: maybe(fc.boolean()),
        access: texts,
        extra: fc.string(),
      },
      { requiredKeys: [] },
    ),
  ),
);
const setFields = {
  name: maybe(fc.string()),
  description: maybe(fc.string()),
  authentication,
  secrets,
  scopes: texts,
  sameAuthorizationForAllEnvironments: maybe(fc.boolean()),
  access: texts,
};
const set = maybe(
  fc.oneof(
    { weight: 4, arbitrary: fc.record(setFields, { requiredKeys: [] }) },
    // What an update cannot change in place (R10, R12).
    { weight: 1, arbitrary: fc.record({ ...setFields, linkName: fc.string(), connector: fc.string() }, { requiredKeys: [] }) },
  ),
);
const action = fc
  .record(
    {
      op: maybe(fc.constantFrom(...OPS, 'connector.rename')),
      kind: maybe(fc.constantFrom('Connector', 'Connection', 'Other')),
      linkName: maybe(fc.string()),
      spec,
      set,
      id: maybe(fc.oneof({ weight: 6, arbitrary: fc.constantFrom('a1', 'a12') }, { weight: 1, arbitrary: fc.oneof(fc.constantFrom('a0', 'b1'), fc.string()) })),
      dependsOn: maybe(fc.array(maybe(fc.string()), { maxLength: 3 })),
      rules: maybe(fc.array(maybe(fc.constantFrom(...RuleIdSchema.options, 'R0')), { maxLength: 3 })),
      replace: maybe(fc.boolean()),
      changes: maybe(
        fc.array(maybe(fc.record({ path: maybe(fc.string({ minLength: 1 })), from: fc.anything(), to: fc.anything() }, { requiredKeys: [] })), { maxLength: 2 }),
      ),
      reason: maybe(fc.string()),
      extra: fc.anything(),
    },
    { requiredKeys: ['op', 'kind', 'linkName', 'id', 'dependsOn', 'rules', 'replace', 'changes'] },
  )
  .chain((a) =>
    // Most of the time, the kind that goes with the op (else nearly every action is refused for it).
    fc.boolean().map((fit) => (fit && typeof a.op === 'string' ? { ...a, kind: a.op.startsWith('connector.') ? 'Connector' : 'Connection' } : a)),
  );

describe('PlannedActionOneSchema', () => {
  it('accepts exactly what PlannedActionSchema accepts, and gives the same value in the same key order', () => {
    let accepted = 0;
    fc.assert(
      fc.property(action, (value) => {
        const one = PlannedActionOneSchema.safeParse(value);
        const two = PlannedActionSchema.safeParse(value);
        expect(one.success).toBe(two.success);
        if (one.success && two.success) {
          accepted++;
          expect(one.data).toStrictEqual(two.data);
          expect(JSON.stringify(one.data)).toBe(JSON.stringify(two.data));
        }
      }),
      { numRuns: 400 },
    );
    // The generator is of use only if it makes valid actions too.
    expect(accepted).toBeGreaterThan(20);
  });

  it('parsePlan gives a valid plan as PlanSchema does, and a bad one the issues PlanSchema finds', () => {
    const plan = {
      formatVersion: 2,
      target: 'local:a.db',
      base: { stateSerial: 0, stateDigest: 'sha256:0' },
      source: { ref: null, commit: null, manifestDigest: 'sha256:1' },
      actions: [
        {
          op: 'connector.create',
          kind: 'Connector',
          linkName: 'crm',
          spec: { name: 'CRM', authentication: { type: 'basic' } },
          id: 'a1',
          dependsOn: [],
          rules: ['R1'],
          replace: false,
          changes: [],
        },
        { op: 'connector.markReady', kind: 'Connector', linkName: 'crm', id: 'a2', dependsOn: ['a1'], rules: [], replace: false, changes: [], reason: 'ready' },
      ],
      revokedAuthorizations: [],
      impact: [],
      blocked: [],
      needsAuthorization: [],
      summary: { create: 1, update: 1, delete: 0, replace: 0, revokes: 0, blocked: 0 },
    };
    const reference = PlanSchema.safeParse(plan);
    expect(reference.success, JSON.stringify(reference.error?.issues)).toBe(true);
    expect(JSON.stringify(parsePlan(plan, 'plan.json'))).toBe(JSON.stringify(reference.data));

    // A wrong op and a wrong id: the one-pass schema would report the op only; PlanSchema reports both.
    const bad = { ...plan, actions: [{ ...plan.actions[0], op: 'connector.rename', id: 'x' }] };
    expect(() => parsePlan(bad, 'plan.json')).toThrow(/actions\[0\]\.op: .*; actions\[0\]\.id: an action id is a1, a2, …/);
  });
});
