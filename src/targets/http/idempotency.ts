/**
 * Idempotent actions over HTTP (Stripe's idempotency keys, with the journal's run id and action
 * id as the key): the server keeps the result of each (run, action) it carried out, and a repeat
 * of the same request gets that result back without the action being carried out again. That is
 * what lets the client retry `POST /v1/actions` after a lost answer, a 502/503/504 or a 429.
 *
 * - Results live in memory, for the last RUNS_KEPT runs. A run the server has not seen since it
 *   started is loaded once from the target's journal (persistent): an action journaled `done`
 *   is answered with its serial, its revocations unknown (`revoked: []`, since the journal does
 *   not keep them).
 * - A repeat that arrives while the first request is still being carried out waits for it.
 * - A failed action is not kept: a repeat is carried out again, and fails the same way.
 * - The key is bound to the action it was first used for (issue 18): a different action sent with
 *   the same run and action id is refused with 409, never answered with the first one's result.
 *   An action known from the journal only is compared by its operation and link name.
 */
import type { ActionBody } from '../../model/actions.js';
import { TargetError } from '../../errors.js';
import type { ExecuteResult, JournalContext, Target } from '../target.js';

const RUNS_KEPT = 16;

export interface IdempotentResult extends ExecuteResult {
  /** True when this is the answer to a repeat: nothing was carried out this time. */
  replayed: boolean;
}

/** A result with what it was the result of: the action as JSON (null: known from the journal only). */
interface Kept {
  result: ExecuteResult;
  op: string;
  linkName: string;
  action: string | null;
}

export class ActionResults {
  readonly #runs = new Map<string, Promise<Map<string, Kept>>>();
  readonly #inFlight = new Map<string, { action: string; result: Promise<ExecuteResult> }>();

  constructor(private readonly target: Target) {}

  /** Carries out `run()` for (runId, actionId) once; every repeat of the same action gets the first result. */
  async once(journal: JournalContext, action: ActionBody, run: () => Promise<ExecuteResult>): Promise<IdempotentResult> {
    const json = JSON.stringify(action);
    const results = await this.#run(journal.runId);
    const kept = results.get(journal.actionId);
    if (kept) {
      const same = kept.action === null ? kept.op === action.op && kept.linkName === action.linkName : kept.action === json;
      if (!same) throw otherAction(journal, kept.op, kept.linkName);
      return { ...kept.result, replayed: true };
    }
    const key = `${journal.runId}\u0000${journal.actionId}`;
    const pending = this.#inFlight.get(key);
    if (pending) {
      if (pending.action !== json) throw otherAction(journal, null, null);
      return { ...(await pending.result), replayed: true };
    }
    const started = run();
    this.#inFlight.set(key, { action: json, result: started });
    try {
      const result = await started;
      results.set(journal.actionId, { result, op: action.op, linkName: action.linkName, action: json });
      return { ...result, replayed: false };
    } finally {
      this.#inFlight.delete(key);
    }
  }

  #run(runId: string): Promise<Map<string, Kept>> {
    let results = this.#runs.get(runId);
    if (results) {
      // Most recently used last, so that the oldest run is the one forgotten.
      this.#runs.delete(runId);
      this.#runs.set(runId, results);
      return results;
    }
    results = this.target.journal(runId).then((entries) => {
      const done = new Map<string, Kept>();
      for (const e of entries) {
        if (e.status === 'done' && e.serial !== null) done.set(e.actionId, { result: { serial: e.serial, revoked: [] }, op: e.op, linkName: e.linkName, action: null });
      }
      return done;
    });
    // A failed journal read is not kept: the next request tries again.
    void results.catch(() => this.#runs.delete(runId));
    this.#runs.set(runId, results);
    while (this.#runs.size > RUNS_KEPT) this.#runs.delete(this.#runs.keys().next().value!);
    return results;
  }
}

/** The idempotency key names another action: a client bug or a forged request, never a repeat. */
function otherAction(journal: JournalContext, op: string | null, linkName: string | null): TargetError {
  const first = op ? ` (${op} of '${linkName}')` : '';
  return new TargetError(
    `action ${journal.actionId} of run ${journal.runId} was already sent with another action${first}; a run's action id names one action, so this one was not carried out`,
    { status: 409, hint: 'give each action of a run its own action id' },
  );
}
