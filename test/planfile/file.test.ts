/** Plan files (write, read, planId) and the proof that stands between a plan and its output. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InternalError, UserError } from '../../src/errors.js';
import type { PlannedAction } from '../../src/model/actions.js';
import { parsePlan, planId } from '../../src/model/plan-document.js';
import { readPlanFile, serializePlan, writePlanFile } from '../../src/planfile/file.js';
import { prove } from '../../src/plan/proof.js';
import { authorizationTasks } from '../../src/rollout/authorizations.js';
import { state } from '../support/builders.js';
import { desired, desiredOf, planFor, secretsFor } from '../support/desired.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'connectorops-planfile-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function samplePlan() {
  const current = state()
    .connector('crm')
    .connection('crm_sales', 'crm', { authorizations: [{ environment: 'all', account: 'alice' }] })
    .build();
  const want = desiredOf(current);
  want.connections.get('crm_sales')!.enabled = false;
  want.connectors.set('erp', desired().connector('erp').build().connectors.get('erp')!);
  return planFor(current, want, { fingerprints: { crm: 'fp-crm-rotated', erp: null } });
}

describe('plan files', () => {
  it('never replace an SQLite database: plan --out .connectorops/local.db leaves the target whole', async () => {
    // It did: the plan's JSON replaced the target file, and every later command said the target
    // was "not an SQLite database". Planning changes nothing on the target.
    const target = join(dir, 'local.db');
    const bytes = Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(4080, 7)]);
    writeFileSync(target, bytes);
    const refused = await writePlanFile(target, samplePlan()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as UserError).message).toContain('is an SQLite database');
    expect((refused as UserError).details.hint).toContain('--out plan.json');
    expect(readFileSync(target).equals(bytes)).toBe(true);
    // Any other file is replaced, as --out always did.
    const old = join(dir, 'old.json');
    writeFileSync(old, 'SQLite format 2');
    await writePlanFile(old, samplePlan());
    expect(JSON.parse(readFileSync(old, 'utf8')).formatVersion).toBe(2);
  });

  it('are the contract’s JSON: its key order first, our fields after, a trailing newline', async () => {
    const plan = samplePlan();
    const path = join(dir, 'plan.json');
    await writePlanFile(path, plan);
    const text = readFileSync(path, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(Object.keys(JSON.parse(text))).toEqual([
      'formatVersion',
      'target',
      'base',
      'source',
      'actions',
      'revokedAuthorizations',
      'impact',
      'blocked',
      'needsAuthorization',
      'summary',
      'authorizationsNeeded',
      'warnings',
    ]);
    expect(Object.keys(JSON.parse(text).actions[0]).slice(0, 8)).toEqual(['id', 'op', 'kind', 'linkName', 'dependsOn', 'rules', 'replace', 'changes']);
    expect(text).toBe(serializePlan(plan));
  });

  it('hold secrets only as references and fingerprints (S2)', () => {
    const text = serializePlan(samplePlan());
    const create = JSON.parse(text).actions.find((a: PlannedAction) => a.op === 'connector.create');
    expect(create.spec.secrets).toEqual({ clientSecret: { fromEnv: 'ERP_CLIENT_SECRET', fingerprint: null } });
    expect(text).toContain('"(sensitive, changed)"');
  });

  it('read back as the same plan, with the same planId', async () => {
    const plan = samplePlan();
    const path = join(dir, 'plan.json');
    await writePlanFile(path, plan);
    const read = await readPlanFile(path);
    expect(read).toEqual(JSON.parse(serializePlan(plan)));
    expect(planId(read)).toBe(planId(plan));
    expect(planId(plan)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('a version 1 plan file (before authorizations per environment) is read: its revocations and authorizations are for all environments', async () => {
    const current = state()
      .connector('crm')
      .connection('crm_sales', 'crm', { authorizations: [{ environment: 'all', account: 'alice' }] })
      .build();
    const v2 = planFor(current, desiredOf(current), { fingerprints: { crm: 'fp-crm-rotated' } });
    // As connectorops wrote it before: no environment on a revocation, no authorizationsNeeded.
    const { authorizationsNeeded: _needed, ...rest } = JSON.parse(serializePlan(v2)) as Record<string, unknown>;
    const v1 = { ...rest, formatVersion: 1, revokedAuthorizations: v2.revokedAuthorizations.map(({ environment: _e, ...r }) => r) };
    expect(v1.revokedAuthorizations).toEqual([{ connection: 'crm_sales', connector: 'crm', account: 'alice', cause: ['clientSecret'], rule: 'R5' }]);
    const path = join(dir, 'v1.json');
    writeFileSync(path, JSON.stringify(v1));
    const read = await readPlanFile(path);
    expect(read.formatVersion).toBe(1);
    expect(read.revokedAuthorizations).toEqual([
      { connection: 'crm_sales', connector: 'crm', environment: 'all', account: 'alice', cause: ['clientSecret'], rule: 'R5' },
    ]);
    expect(read.authorizationsNeeded).toEqual([]);
    expect(authorizationTasks(read).map((t) => [t.connection, t.environment, t.account])).toEqual([['crm_sales', 'all', 'alice']]);
  });

  it('planId changes with the plan', () => {
    const plan = samplePlan();
    expect(planId({ ...plan, base: { ...plan.base, stateSerial: plan.base.stateSerial + 1 } })).not.toBe(planId(plan));
  });

  it('a missing, non-JSON or foreign file is a UserError that says what it is', async () => {
    const bad = async (text: string | null, message: RegExp) => {
      const path = join(dir, `f${Math.random()}.json`);
      if (text !== null) writeFileSync(path, text);
      await expect(readPlanFile(path)).rejects.toThrow(message);
      await expect(readPlanFile(path)).rejects.toBeInstanceOf(UserError);
    };
    await bad(null, /no such file/);
    // A folder given for the file: said in words, with what to give instead.
    await expect(readPlanFile(dir)).rejects.toThrow(/cannot read plan file .*: it is a folder, not a file$/);
    await expect(readPlanFile(dir)).rejects.toMatchObject({ details: { hint: expect.stringContaining('plan --out FILE') } });
    await bad('not json {', /is not a connectorops plan: it is not JSON/);
    await bad('{"formatVersion": 1, "connectors": [], "connections": []}', /is not a valid connectorops plan: target: /);
    await bad('{"hello": "world"}', /is not a connectorops plan: it has no formatVersion/);
    await bad('[]', /has no formatVersion/);
    await bad(JSON.stringify({ ...samplePlan(), formatVersion: 3 }), /formatVersion 3; this connectorops reads formatVersion 1 and 2/);
  });

  it('a plan whose actions are out of order, or malformed, is refused', () => {
    const plan = JSON.parse(serializePlan(samplePlan()));
    const swapped = { ...plan, actions: [...plan.actions].reverse() };
    expect(() => parsePlan(swapped, 'p.json')).toThrow(/depends on a\d+, which does not come before it/);
    const twice = { ...plan, actions: [plan.actions[0], plan.actions[0]] };
    expect(() => parsePlan(twice, 'p.json')).toThrow(/appears twice/);
    const badOp = { ...plan, actions: [{ ...plan.actions[0], op: 'connector.explode' }] };
    expect(() => parsePlan(badOp, 'p.json')).toThrow(/actions\[0\]/);
  });
});

describe('the proof', () => {
  it('a plan that breaks a rule is an InternalError, naming the action and the rule', () => {
    const current = state().connector('crm').connection('crm_sales', 'crm').build();
    const bad: PlannedAction[] = [{ id: 'a1', op: 'connector.delete', kind: 'Connector', linkName: 'crm', dependsOn: [], rules: [], replace: false, changes: [] }];
    expect(() => prove(current, bad, null)).toThrow(InternalError);
    expect(() => prove(current, bad, null)).toThrow(/a1 \(connector\.delete 'crm'\): R9: delete connection 'crm_sales' before deleting connector 'crm'/);
  });

  it('a plan that does not reach the desired state is an InternalError', () => {
    const current = state().connector('crm').build();
    const want = desiredOf(current);
    want.connectors.get('crm')!.name = 'Renamed';
    expect(() => prove(current, [], { desired: want, secrets: secretsFor(want) })).toThrow(/does not reach the desired state: connector 'crm' differs in name/);
    // A known fingerprint the plan did not bring about counts too.
    expect(() => prove(current, [], { desired: desiredOf(current), secrets: secretsFor(desiredOf(current), { crm: 'fp-other' }) })).toThrow(
      /differs in authentication\.clientSecret/,
    );
  });
});
