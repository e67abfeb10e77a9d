/**
 * Actions sent over `POST /v1/actions/stream` (issue 25) are answered, journaled and leave the
 * target as `execute` one action after another on a local target does: whatever the actions, and
 * however many are in flight at once (the server groups the lines that arrive together into one
 * `executeBatch`). Real HTTP on 127.0.0.1, the real server over a real local target, two target
 * files per round. (The slow tier: 25 rounds.)
 */
import fc from 'fast-check';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { TargetError } from '../../../src/errors.js';
import type { ActionBody } from '../../../src/model/actions.js';
import { HttpTarget } from '../../../src/targets/http/client.js';
import { startServer } from '../../../src/targets/http/server.js';
import type { LocalTarget } from '../../../src/targets/local/local-target.js';
import { stateToSnapshot } from '../../../src/targets/snapshot.js';
import type { ExecuteResult, JournalEntry } from '../../../src/targets/target.js';
import { oauth2 } from '../../support/builders.js';
import { act, openLocal, tempDir } from '../../support/target.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('connectorops-stream-');
});
afterEach(() => tmp.cleanup());

const RUN = 'r-stream';
const TOKEN = 'stream-property-token-0123456789';
const SECRET = 'client-secret-value-of-a-test';

type Outcome = { ok: true; result: ExecuteResult } | { ok: false; error: unknown };
const untimed = (text: string) => text.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<at>');
/** What an outcome says; `name`, the served target's name, is what the server says in its place. */
function outcomeOf(outcome: Outcome, name: string): unknown {
  if (outcome.ok) return { ok: true, result: outcome.result };
  const error = outcome.error as TargetError;
  return { ok: false, class: error.constructor.name, message: untimed(error.message).split(name).join('<served target>'), rule: error.details?.rule };
}
const snapshotOf = (target: { read: LocalTarget['read'] }) =>
  target.read().then(({ state }) => JSON.stringify(stateToSnapshot(state)).replace(/hmac-sha256:[\w-]+:[\w-]+/g, '<fingerprint>'));
const journalOf = (entries: JournalEntry[], name: string) =>
  entries.map(({ at: _at, ...e }) => ({ ...e, ...(e.error ? { error: untimed(e.error).split(name).join('<served target>') } : {}) }));

const links = ['crm', 'erp', 'hr'];
const conns = ['sales', 'ops'];
const actionArb: fc.Arbitrary<ActionBody> = fc.oneof(
  fc.constantFrom(...links).map((l) => act.createConnector(l, oauth2())),
  fc.constantFrom(...links).map((l) => act.markReady(l)),
  fc.constantFrom(...links).map((l) => act.disableConnector(l)),
  fc.constantFrom(...links).map((l) => act.deleteConnector(l)),
  fc.tuple(fc.constantFrom(...conns), fc.constantFrom(...links)).map(([c, l]) => act.createConnection(c, l)),
  fc.constantFrom(...conns).map((c) => act.disableConnection(c)),
  fc.constantFrom(...conns).map((c) => act.deleteConnection(c)),
);

it('answers, journals and leaves what execute one action after another does, however many are in flight at once', async () => {
  let round = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ action: actionArb, secret: fc.boolean() }), { minLength: 1, maxLength: 16 }),
      fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 16, maxLength: 16 }),
      async (steps, inFlight) => {
        round++;
        const requests = steps.map((s, i) => ({ action: s.action, secrets: s.secret ? { clientSecret: SECRET } : {}, journal: { runId: RUN, actionId: `a${i}` } }));
        const one = await openLocal(tmp.dir, undefined, `one-${round}.db`);
        const served = await openLocal(tmp.dir, undefined, `served-${round}.db`);
        const running = await startServer({ target: served, token: TOKEN, port: 0, log: () => {} });
        const client = new HttpTarget(running.url, { token: TOKEN, retryDelayMs: 1 });
        try {
          const expected: Outcome[] = [];
          for (const r of requests) {
            expected.push(
              await one.execute(r.action, r.secrets, r.journal).then(
                (result): Outcome => ({ ok: true, result }),
                (error: unknown): Outcome => ({ ok: false, error }),
              ),
            );
          }
          // Several in flight at once (written on the stream in this order), the next ones once they are answered.
          const got: Outcome[] = [];
          for (let at = 0, c = 0; at < requests.length; at += inFlight[c++]!) {
            const settled = await Promise.allSettled(requests.slice(at, at + inFlight[c]!).map((r) => client.execute(r.action, r.secrets, r.journal)));
            got.push(...settled.map((s): Outcome => (s.status === 'fulfilled' ? { ok: true, result: s.value } : { ok: false, error: s.reason as unknown })));
          }
          expect(got.map((o) => outcomeOf(o, served.name))).toEqual(expected.map((o) => outcomeOf(o, one.name)));
          expect(await client.serial()).toBe(await one.serial());
          expect(await snapshotOf(client)).toBe(await snapshotOf(one));
          expect(journalOf(await client.journal(RUN), served.name)).toEqual(journalOf(await one.journal(RUN), one.name));
        } finally {
          await client.close();
          await running.close();
          await one.close();
          await served.close();
        }
      },
    ),
    { numRuns: 25 },
  );
});
