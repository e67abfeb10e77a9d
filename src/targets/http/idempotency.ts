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
 */
import type { ExecuteResult, JournalContext, Target } from '../target.js';

const RUNS_KEPT = 16;

export interface IdempotentResult extends ExecuteResult {
  /** True when this is the answer to a repeat: nothing was carried out this time. */
  replayed: boolean;
}

export class ActionResults {
  readonly #runs = new Map<string, Promise<Map<string, ExecuteResult>>>();
  readonly #inFlight = new Map<string, Promise<ExecuteResult>>();

  constructor(private readonly target: Target) {}

  /** Carries out `run()` for (runId, actionId) once; every repeat gets the first result. */
  async once(journal: JournalContext, run: () => Promise<ExecuteResult>): Promise<IdempotentResult> {
    const results = await this.#run(journal.runId);
    const kept = results.get(journal.actionId);
    if (kept) return { ...kept, replayed: true };
    const key = `${journal.runId}\u0000${journal.actionId}`;
    const pending = this.#inFlight.get(key);
    if (pending) return { ...(await pending), replayed: true };
    const started = run();
    this.#inFlight.set(key, started);
    try {
      const result = await started;
      results.set(journal.actionId, result);
      return { ...result, replayed: false };
    } finally {
      this.#inFlight.delete(key);
    }
  }

  #run(runId: string): Promise<Map<string, ExecuteResult>> {
    let results = this.#runs.get(runId);
    if (results) {
      // Most recently used last, so that the oldest run is the one forgotten.
      this.#runs.delete(runId);
      this.#runs.set(runId, results);
      return results;
    }
    results = this.target.journal(runId).then((entries) => {
      const done = new Map<string, ExecuteResult>();
      for (const e of entries) if (e.status === 'done' && e.serial !== null) done.set(e.actionId, { serial: e.serial, revoked: [] });
      return done;
    });
    // A failed journal read is not kept: the next request tries again.
    void results.catch(() => this.#runs.delete(runId));
    this.#runs.set(runId, results);
    while (this.#runs.size > RUNS_KEPT) this.#runs.delete(this.#runs.keys().next().value!);
    return results;
  }
}
