/**
 * The port between connectorops and wherever the current state lives (contracts.md, "Targets").
 * The planner reads through it, the executor writes through it one action at a time, and apply
 * holds its lock. Implementations: targets/local (SQLite file), targets/http (client of `serve`).
 */
import type { ActionBody } from '../model/actions.js';
import type { RevokedAuthorization } from '../model/plan.js';
import type { SecretName, State } from '../model/types.js';
import type { Snapshot } from '../model/snapshot.js';

/** A consistent read of a target: the state, with the serial and digest it had at that moment. */
export interface StateSnapshot {
  state: State;
  /** Grows by one with every committed change. */
  serial: number;
  /** sha256 of the canonical snapshot JSON. */
  digest: string;
}

export interface LockRequest {
  /** user@host */
  holder: string;
  host: string;
  pid: number;
  /** e.g. `apply` */
  operation: string;
}

export interface LockInfo extends LockRequest {
  id: string;
  /** ISO 8601 */
  startedAt: string;
}

/** Where an action stands in the journal of one apply run. */
export interface JournalEntry {
  runId: string;
  actionId: string;
  op: string;
  linkName: string;
  status: 'pending' | 'done' | 'failed';
  /** The target's serial after the action committed (done only). */
  serial: number | null;
  at: string;
  error?: string;
}

export interface JournalContext {
  runId: string;
  actionId: string;
}

export interface ExecuteResult {
  serial: number;
  /** Authorizations that this action revoked (R5, R13), as the target saw it happen. */
  revoked: RevokedAuthorization[];
}

export interface Target {
  /** How the user named it, e.g. `local:.connectorops/local.db`. */
  readonly name: string;

  read(): Promise<StateSnapshot>;

  /** The serial as committed now; cheaper than `read` where the target can tell it alone. */
  serial(): Promise<number>;

  /** Keyed hashes (S2) of secret values, with the target's own key, in the same order. */
  fingerprintSecrets(values: string[]): Promise<string[]>;

  /**
   * Carries out one action, checked against rules/ first: a broken rule is refused with a
   * TargetError carrying the rule id, and nothing changes. `secrets` holds the values of the
   * secrets the action sends; the target stores only their fingerprints. With a journal
   * context the action is journaled `pending` before and `done` atomically with its effect.
   */
  execute(action: ActionBody, secrets: Partial<Record<SecretName, string>>, journal?: JournalContext): Promise<ExecuteResult>;

  /** The journal of one apply run, in the order entries were written. */
  journal(runId: string): Promise<JournalEntry[]>;

  /**
   * Takes the target's lock, or throws a LockHeldError naming the holder. Waits up to
   * `timeoutMs` for a held lock. A local lock whose holder process is dead on this machine is
   * taken over; the returned info says so in `tookOverFrom`.
   */
  acquireLock(request: LockRequest, options?: { timeoutMs?: number }): Promise<LockInfo & { tookOverFrom?: LockInfo }>;
  releaseLock(id: string): Promise<void>;
  /** `connectorops unlock`: releases a lock by id whoever holds it. False when no such lock. */
  forceUnlock(id: string): Promise<boolean>;

  exportSnapshot(): Promise<Snapshot>;
  /** Replaces the whole contents after validating the snapshot against every rule. */
  importSnapshot(snapshot: Snapshot, options?: { force?: boolean }): Promise<void>;
  /** Stand-in for a person on Creator's consent screen. */
  authorize(connection: string, account: string): Promise<void>;

  close(): Promise<void>;
}
