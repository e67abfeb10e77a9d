/**
 * `executeBatch` of the local target (the engine over SQLite): several journaled actions committed
 * in one store transaction, each in a savepoint of its own (what `connectorops serve` does with a
 * `POST /v1/actions/batch`, issue 25). An action that fails undoes none of the others.
 * test/slow/targets/local-batch.property.test.ts holds it equal to `execute` one after another.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openSqlite } from '../support/sqlite.js';
import { act, openLocal, tempDir } from '../support/target.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('connectorops-batch-');
});
afterEach(() => tmp.cleanup());

const RUN = 'r-batch';

it('a store error in one action of a batch undoes that action alone: it is journaled failed, the others before and after it are committed', async () => {
  const file = 'trigger.db';
  const target = await openLocal(tmp.dir, undefined, file);
  await target.execute(act.createConnector('seed'), {}, { runId: 'seed', actionId: 'seed' });
  await target.close();
  // A real SQLite error at the end of the action's writes (its connector and the serial written,
  // then its journal entry `done` refused): those writes must be undone, and the action alone.
  const db = openSqlite(`${tmp.dir}/${file}`);
  db.exec(`CREATE TRIGGER refuse_boom BEFORE INSERT ON journal WHEN NEW.link_name = 'boom' AND NEW.status = 'done' BEGIN SELECT RAISE(ABORT, 'no boom here'); END`);
  db.close();
  const reopened = await openLocal(tmp.dir, undefined, file);
  try {
    const out = await reopened.executeBatch([
      { action: act.createConnector('crm'), secrets: {}, journal: { runId: RUN, actionId: 'a' } },
      { action: act.createConnector('boom'), secrets: {}, journal: { runId: RUN, actionId: 'b' } },
      { action: act.createConnector('erp'), secrets: {}, journal: { runId: RUN, actionId: 'c' } },
    ]);
    expect(out.map((o) => o.ok)).toEqual([true, false, true]);
    expect(out[0]).toEqual({ ok: true, result: { serial: 2, revoked: [] } });
    expect(out[2]).toEqual({ ok: true, result: { serial: 3, revoked: [] } });
    expect((out[1] as { error: Error }).error.message).toMatch(/no boom here/);
    expect((await reopened.journal(RUN)).map((e) => [e.actionId, e.status, e.serial])).toEqual([
      ['a', 'done', 2],
      ['b', 'failed', null],
      ['c', 'done', 3],
    ]);
    const { state, serial } = await reopened.read();
    expect(serial).toBe(3);
    expect([...state.connectors.keys()].sort()).toEqual(['crm', 'erp', 'seed']);
  } finally {
    await reopened.close();
  }
});
