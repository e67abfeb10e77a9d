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
import type { BatchOutcome, ExecuteResult, JournalContext, Target } from '../target.js';

const RUNS_KEPT = 16;

export interface IdempotentResult extends ExecuteResult {
  /** True when this is the answer to a repeat: nothing was carried out this time. */
  replayed: boolean;
}

/**
 * A result with what it was the result of: the action (null: known from the journal only), as
 * parseAction returned it: frozen, so it is kept as it is, and its JSON made only when a repeat
 * must be compared with it (rare), not for every action (issue 25).
 */
interface Kept {
  result: ExecuteResult;
  op: string;
  linkName: string;
  action: ActionBody | null;
}

export class ActionResults {
  readonly #runs = new Map<string, Promise<Map<string, Kept>>>();
  readonly #inFlight = new Map<string, { action: ActionBody; result: Promise<ExecuteResult> }>();

  constructor(private readonly target: Target) {}

  /** Carries out `run()` for (runId, actionId) once; every repeat of the same action gets the first result. */
  async once(journal: JournalContext, action: ActionBody, run: () => Promise<ExecuteResult>): Promise<IdempotentResult> {
    const results = await this.#run(journal.runId);
    const prior = this.#prior(results, journal, action);
    if (prior) return prior;
    const key = keyOf(journal);
    const started = run();
    this.#inFlight.set(key, { action, result: started });
    try {
      const result = await started;
      results.set(journal.actionId, { result, op: action.op, linkName: action.linkName, action });
      return { ...result, replayed: false };
    } finally {
      this.#inFlight.delete(key);
    }
  }

  /**
   * `once` for each of `actions`, with the ones not answered already (kept, or in flight in
   * another request) carried out by ONE call of `run`, given their positions in `actions`; its
   * outcomes come back in that order. A key twice in `actions` is carried out once: the second
   * waits for the first, as a repeat in another request would. Never rejects.
   */
  async each(
    actions: ReadonlyArray<{ journal: JournalContext; action: ActionBody }>,
    run: (fresh: number[]) => Promise<BatchOutcome[]>,
  ): Promise<Array<{ ok: true; result: IdempotentResult } | { ok: false; error: unknown }>> {
    type Answer = { ok: true; result: IdempotentResult } | { ok: false; error: unknown };
    const refused = (error: unknown): Answer => ({ ok: false, error });
    const answers: Array<Promise<Answer>> = [];
    const fresh: number[] = [];
    const settle: Array<{ resolve: (r: ExecuteResult) => void; reject: (e: unknown) => void; key: string }> = [];
    for (const [at, { journal, action }] of actions.entries()) {
      let results: Map<string, Kept>;
      try {
        results = await this.#run(journal.runId);
      } catch (error) {
        answers.push(Promise.resolve(refused(error)));
        continue;
      }
      const prior = this.#prior(results, journal, action);
      if (prior) {
        answers.push(prior.then((result): Answer => ({ ok: true, result }), refused));
        continue;
      }
      const key = keyOf(journal);
      const result = new Promise<ExecuteResult>((resolve, reject) => settle.push({ resolve, reject, key }));
      this.#inFlight.set(key, { action, result });
      fresh.push(at);
      answers.push(
        result.then((r): Answer => {
          results.set(journal.actionId, { result: r, op: action.op, linkName: action.linkName, action });
          return { ok: true, result: { ...r, replayed: false } };
        }, refused),
      );
    }
    if (fresh.length) {
      let outcomes: BatchOutcome[];
      try {
        outcomes = await run(fresh);
      } catch (error) {
        outcomes = fresh.map(() => ({ ok: false, error }));
      }
      settle.forEach((s, i) => {
        const outcome = outcomes[i] ?? { ok: false, error: new TargetError('the target answered fewer outcomes than it was given actions') };
        // The `then` above keeps a result before a repeat that waits for it (another request) is answered.
        if (outcome.ok) s.resolve(outcome.result);
        else s.reject(outcome.error);
        this.#inFlight.delete(s.key);
      });
    }
    return Promise.all(answers);
  }

  /**
   * The answer of an action already carried out (kept) or being carried out (in flight) under the
   * same key, replayed; refused when the key was used for another action; undefined when neither.
   */
  #prior(results: Map<string, Kept>, journal: JournalContext, action: ActionBody): Promise<IdempotentResult> | undefined {
    const kept = results.get(journal.actionId);
    if (kept) {
      const same = kept.action === null ? kept.op === action.op && kept.linkName === action.linkName : sameAction(kept.action, action);
      return same ? Promise.resolve({ ...kept.result, replayed: true }) : Promise.reject(otherAction(journal, kept.op, kept.linkName));
    }
    const pending = this.#inFlight.get(keyOf(journal));
    if (!pending) return undefined;
    if (!sameAction(pending.action, action)) return Promise.reject(otherAction(journal, null, null));
    return pending.result.then((r) => ({ ...r, replayed: true }));
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

/** The same action: the same object (parseAction's, frozen), or the same JSON. */
function sameAction(a: ActionBody, b: ActionBody): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** The idempotency key names another action: a client bug or a forged request, never a repeat. */
function otherAction(journal: JournalContext, op: string | null, linkName: string | null): TargetError {
  const first = op ? ` (${op} of '${linkName}')` : '';
  return new TargetError(
    `action ${journal.actionId} of run ${journal.runId} was already sent with another action${first}; a run's action id names one action, so this one was not carried out`,
    { status: 409, hint: 'give each action of a run its own action id' },
  );
}

/** The in-flight map's key of an action: its run and its id. */
function keyOf(journal: JournalContext): string {
  return `${journal.runId}\u0000${journal.actionId}`;
}
