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

/** Inside a spec or a set: mostly what a plan holds, now and then a value of any type (or none). */
const odd = fc.oneof(fc.anything(), fc.constant(undefined), fc.constant(null));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 20, arbitrary: arb }, { weight: 1, arbitrary: odd });
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
const fields = {
  op: fc.constantFrom(...OPS),
  linkName: fc.string(),
  spec,
  set,
  id: fc.constantFrom('a1', 'a12'),
  dependsOn: fc.array(fc.string(), { maxLength: 3 }),
  rules: fc.array(fc.constantFrom(...RuleIdSchema.options), { maxLength: 3 }),
  replace: fc.boolean(),
  changes: fc.array(fc.record({ path: fc.string({ minLength: 1 }), from: fc.anything(), to: fc.anything() }), { maxLength: 2 }),
  reason: fc.string(),
};
const KEYS = [...Object.keys(fields), 'kind'];
/**
 * An action as a plan holds it (the kind that goes with its op; `spec`, `set` and `reason` there or
 * not), then at most one change to it: a field removed, a field of another value (another op, a bad
 * id, a value of any type), or one field too many. Each draw differs from a valid action in one
 * place at most, so a rule that one schema has and the other lacks shows in a few hundred draws.
 */
const action = fc
  .record(fields, { requiredKeys: ['op', 'linkName', 'id', 'dependsOn', 'rules', 'replace', 'changes'] })
  .map((a) => ({ ...a, kind: a.op.startsWith('connector.') ? 'Connector' : 'Connection' }))
  .chain((a) =>
    fc.oneof(
      fc.constant(a),
      fc.constantFrom(...KEYS).map((key) => Object.fromEntries(Object.entries(a).filter(([k]) => k !== key))),
      fc.tuple(fc.constantFrom(...KEYS), fc.oneof(odd, fc.constantFrom('connector.rename', 'Other', 'a0', 'b1', ''))).map(([key, value]) => ({ ...a, [key]: value })),
      fc.tuple(fc.string(), fc.anything()).map(([key, value]) => ({ ...a, [key]: value })),
    ),
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
      { numRuns: 500 },
    );
    // The generator is of use only if it makes valid actions too.
    expect(accepted).toBeGreaterThan(50);
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
