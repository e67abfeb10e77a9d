/**
 * `executeBatch` of the local target (the engine over SQLite) commits several journaled actions in
 * one store transaction, each in a savepoint of its own (what `connectorops serve` does with a
 * `POST /v1/actions/batch`, issue 25). Whatever the actions and however they are cut into batches,
 * it answers, journals and leaves exactly what `execute` one action after another does: a refused
 * action (or one already done) undoes none of the others, and the cache stays the file's.
 * (The slow tier: 60 rounds of two new target files each.)
 */
import fc from 'fast-check';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { TargetError } from '../../../src/errors.js';
import type { ActionBody } from '../../../src/model/actions.js';
import type { LocalTarget } from '../../../src/targets/local/local-target.js';
import { stateToSnapshot } from '../../../src/targets/snapshot.js';
import type { BatchOutcome, JournalEntry } from '../../../src/targets/target.js';
import { oauth2 } from '../../support/builders.js';
import { act, openLocal, tempDir } from '../../support/target.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('connectorops-batch-');
});
afterEach(() => tmp.cleanup());

const RUN = 'r-batch';
const SECRET = 'client-secret-value-of-a-test';

/** What an outcome says, without the times (two targets do the same thing at different moments). */
function outcomeOf(outcome: BatchOutcome): unknown {
  if (outcome.ok) return { ok: true, result: outcome.result };
  const error = outcome.error as TargetError;
  return { ok: false, class: error.constructor.name, message: untimed(error.message), rule: error.details?.rule };
}
const untimed = (text: string) => text.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<at>');
/** The snapshot, with fingerprints under each target's own key (two files, two keys) told apart only by presence. */
const snapshotOf = (target: LocalTarget) =>
  target.read().then(({ state }) => JSON.stringify(stateToSnapshot(state)).replace(/hmac-sha256:[\w-]+:[\w-]+/g, '<fingerprint>'));
const journalOf = (entries: JournalEntry[]) => entries.map(({ at: _at, ...e }) => ({ ...e, ...(e.error ? { error: untimed(e.error) } : {}) }));

const links = ['crm', 'erp', 'hr'];
const conns = ['sales', 'ops'];
const actionArb: fc.Arbitrary<ActionBody> = fc.oneof(
  fc.constantFrom(...links).map((l) => act.createConnector(l, oauth2())),
  fc.constantFrom(...links).map((l) => act.markReady(l)),
  fc.constantFrom(...links).map((l) => act.disableConnector(l)),
  fc.constantFrom(...links).map((l) => act.enableConnector(l)),
  fc.constantFrom(...links).map((l) => act.deleteConnector(l)),
  fc.tuple(fc.constantFrom(...conns), fc.constantFrom(...links)).map(([c, l]) => act.createConnection(c, l)),
  fc.constantFrom(...conns).map((c) => act.disableConnection(c)),
  fc.constantFrom(...conns).map((c) => act.deleteConnection(c)),
);
/** Action ids from a small pool: a key used twice is an action already done (or one carried out again after a refusal). */
const stepArb = fc.record({ action: actionArb, actionId: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), secret: fc.boolean() });
const batchAction = (s: { action: ActionBody; actionId: string; secret: boolean }) => ({
  action: s.action,
  secrets: s.secret ? { clientSecret: SECRET } : {},
  journal: { runId: RUN, actionId: s.actionId },
});

it('answers, journals and leaves what execute one action after another does, whatever the actions and however they are cut into batches', async () => {
  let round = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(stepArb, { minLength: 1, maxLength: 14 }),
      fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 14, maxLength: 14 }),
      async (steps, cuts) => {
        round++;
        const one = await openLocal(tmp.dir, undefined, `one-${round}.db`);
        const batched = await openLocal(tmp.dir, undefined, `batched-${round}.db`);
        try {
          const expected: BatchOutcome[] = [];
          for (const s of steps.map(batchAction)) {
            expected.push(
              await one.execute(s.action, s.secrets, s.journal).then(
                (result) => ({ ok: true as const, result }),
                (error: unknown) => ({ ok: false as const, error }),
              ),
            );
          }
          const got: BatchOutcome[] = [];
          for (let at = 0, c = 0; at < steps.length; at += cuts[c++]!) got.push(...(await batched.executeBatch(steps.slice(at, at + cuts[c]!).map(batchAction))));
          expect(got.map(outcomeOf)).toEqual(expected.map(outcomeOf));
          expect(await batched.serial()).toBe(await one.serial());
          const expectedSnapshot = await snapshotOf(one);
          expect(await snapshotOf(batched)).toBe(expectedSnapshot);
          expect(journalOf(await batched.journal(RUN))).toEqual(journalOf(await one.journal(RUN)));
          // The batched target's cache agrees with its file: the same file opened afresh reads the same.
          await batched.close();
          const again = await openLocal(tmp.dir, undefined, `batched-${round}.db`);
          expect(await snapshotOf(again)).toBe(expectedSnapshot);
          await again.close();
        } finally {
          await one.close();
          await batched.close();
        }
      },
    ),
    { numRuns: 60 },
  );
});
