/**
 * The port between connectorops and wherever the current state lives (docs/targets.md), split
 * into the roles its callers use (below). The planner reads through it, the executor writes
 * through it one action at a time, and apply holds its lock. Implementations: targets/local
 * (SQLite file) and targets/postgres (a schema), both over the shared targets/engine, and
 * targets/http (client of `serve`).
 */
import * as z from 'zod';
import type { ActionBody } from '../model/actions.js';
import type { RevokedAuthorization } from '../model/plan.js';
import type { Authorization, SecretName, State } from '../model/types.js';
import type { AuthorizationWhere } from '../model/authorizations.js';
import type { Snapshot } from '../model/snapshot.js';

/** A consistent read of a target: the state, with the serial and digest it had at that moment. */
export interface StateSnapshot {
  state: State;
  /** Grows by one with every committed change. */
  serial: number;
  /** sha256 of the canonical snapshot JSON. */
  digest: string;
}

/**
 * The target port's records are zod schemas, the types derived from them: the HTTP protocol
 * (http/protocol.ts) checks the same shapes on the wire, so the two cannot drift. Optional fields
 * are exact (`exactOptional`): a stored or JSON record has a field or not, never `undefined`.
 */
export const LockRequestSchema = z
  .object({
    /** user@host */
    holder: z.string().min(1).max(300),
    host: z.string().min(1).max(255),
    pid: z.number().int().nonnegative(),
    /** e.g. `apply` */
    operation: z.string().min(1).max(100),
  })
  .strict();
export type LockRequest = z.output<typeof LockRequestSchema>;

export const LockInfoSchema = LockRequestSchema.extend({
  id: z.string().min(1),
  /** ISO 8601 */
  startedAt: z.string().min(1),
}).strict();
export type LockInfo = z.output<typeof LockInfoSchema>;

/**
 * What a target stands for (docs/rollouts.md, "Two modes"). `simulated`: the target is the account, and
 * apply carries actions out. `ledger`: it stands for a real Creator account, apply opens a
 * rollout, and the state changes only as people confirm steps. A target without a recorded mode
 * (one that a command created implicitly) is simulated.
 */
export const TargetModeSchema = z.enum(['simulated', 'ledger']);
export type TargetMode = z.output<typeof TargetModeSchema>;

export const TargetInfoSchema = z.object({
  mode: TargetModeSchema,
  /** The Creator account a ledger stands for, as `target init --account` named it. */
  account: z.string().nullable(),
  /** False while no mode has been recorded (`target init`, `target adopt`). */
  initialized: z.boolean(),
});
export type TargetInfo = z.output<typeof TargetInfoSchema>;

/** One event of a rollout's life, as the target stores it. Step confirmations are journal entries. */
export const RolloutEventSchema = z
  .object({
    type: z.enum(['opened', 'abandoned', 'closed']),
    by: z.string().min(1).max(200),
    /** ISO 8601 */
    at: z.string().min(1).max(100),
    note: z.string().max(10_000).exactOptional(),
  })
  .strict();
export type RolloutEvent = z.output<typeof RolloutEventSchema>;

/**
 * A rollout as a target keeps it: the document is rollout/'s (the plan it carries out), stored
 * as it is; the target only knows whether it is open. Which steps are done is in the journal of
 * run `id` (`journal(id)`), written by `execute` and `authorize` with the same transaction as
 * the effect.
 */
export const StoredRolloutSchema = z.object({ id: z.string(), document: z.unknown(), open: z.boolean(), events: z.array(RolloutEventSchema) });
export type StoredRollout = z.output<typeof StoredRolloutSchema>;

/** Where an action stands in the journal of one apply run. */
export const JournalEntrySchema = z.object({
  runId: z.string(),
  actionId: z.string(),
  op: z.string(),
  linkName: z.string(),
  status: z.enum(['pending', 'done', 'failed']),
  /** The target's serial after the action committed (done only). */
  serial: z.number().int().nullable(),
  at: z.string(),
  error: z.string().exactOptional(),
  /** Who confirmed it (a rollout step), and their note. */
  by: z.string().exactOptional(),
  note: z.string().exactOptional(),
});
export type JournalEntry = z.output<typeof JournalEntrySchema>;

export const JournalContextSchema = z
  .object({
    runId: z.string().min(1).max(200),
    actionId: z.string().min(1).max(200),
    /** A rollout step: the person who confirmed it, and their note, journaled with it. */
    by: z.string().min(1).max(200).exactOptional(),
    note: z.string().max(10_000).exactOptional(),
  })
  .strict();
export type JournalContext = z.output<typeof JournalContextSchema>;

/** One action of `executeBatch`: `execute`'s arguments, with its journal context (required). */
export interface BatchAction {
  action: ActionBody;
  secrets: Partial<Record<SecretName, string>>;
  journal: JournalContext;
}

/** What `executeBatch` answers for one action: what `execute` would have resolved with, or thrown. */
export type BatchOutcome = { ok: true; result: ExecuteResult } | { ok: false; error: unknown };

/** A batch carried out one `execute` after another: what a target without `executeBatch` answers for it. */
export async function executeEach(target: Pick<Target, 'execute'>, actions: readonly BatchAction[]): Promise<BatchOutcome[]> {
  const out: BatchOutcome[] = [];
  for (const a of actions) {
    out.push(
      await target.execute(a.action, a.secrets, a.journal).then(
        (result): BatchOutcome => ({ ok: true, result }),
        (error: unknown): BatchOutcome => ({ ok: false, error }),
      ),
    );
  }
  return out;
}

export interface ExecuteResult {
  serial: number;
  /** Authorizations that this action revoked (R5, R13), as the target saw it happen. */
  revoked: RevokedAuthorization[];
}

/*
 * The port's roles, the way Terraform's state manager splits Reader, Writer, Persister and Locker:
 * a caller asks for the role it uses (apply's lock asks for a TargetLocker, its executor for a
 * StateReader and a JournaledExecutor, the planner for a StateReader), so what it may do is in
 * its signature, and a new capability lands in one role. `Target` is all of them: what the three
 * stores implement and `openTarget` returns.
 */

/** Reading state: the snapshot, the serial, fingerprints, the mode. */
export interface StateReader {
  /** How the user named it, e.g. `local:.connectorops/local.db`. */
  readonly name: string;

  read(): Promise<StateSnapshot>;

  /** The serial as committed now; cheaper than `read` where the target can tell it alone. */
  serial(): Promise<number>;

  /** Keyed hashes (S2) of secret values, with the target's own key, in the same order. */
  fingerprintSecrets(values: string[]): Promise<string[]>;

  /** The target's mode and account. */
  info(): Promise<TargetInfo>;
}

/** A run's journal, read: what the executor wrote, and which steps of a rollout are done. */
export interface JournalReader {
  readonly name: string;

  /** The journal of one apply run (or rollout), in the order entries were written. */
  journal(runId: string): Promise<JournalEntry[]>;
}

/** Executing and journaling: an action, an authorization or its revocation, and a run's journal. */
export interface JournaledExecutor extends JournalReader {
  /**
   * Carries out one action, checked against rules/ first: a broken rule is refused with a
   * TargetError carrying the rule id, and nothing changes. `secrets` holds the values of the
   * secrets the action sends; the target stores only their fingerprints. With a journal
   * context the action is journaled `pending` before and `done` atomically with its effect.
   */
  execute(action: ActionBody, secrets: Partial<Record<SecretName, string>>, journal?: JournalContext): Promise<ExecuteResult>;

  /**
   * Optional: journaled actions carried out as `execute` would, one after another in this order,
   * each judged, journaled and answered on its own (a refused or failed one undoes none of the
   * others), but committed together: one store transaction for all of them, instead of one each
   * (`connectorops serve` for a `POST /v1/actions/batch`, issue 25). Each action's check, effect,
   * serial and journal entry still commit or not as one (the one-transaction rule). Never
   * rejects: an error, even the whole transaction's, is each action's outcome.
   */
  executeBatch?(actions: readonly BatchAction[]): Promise<BatchOutcome[]>;

  /**
   * True when `executeBatch` is a group commit: its actions go into one transaction of a store in
   * this process, with savepoints that cost no round trip (the engine over SQLite: the local
   * target), so a group of actions pays one commit instead of one each. Apply's executor then
   * hands the target the actions that are ready together as one group (docs/apply.md,
   * "Groups"). Absent or false: one `execute` an action (PostgreSQL, HTTP, whose client batches
   * on its own).
   */
  readonly groupCommit?: boolean;

  /**
   * Stand-in for a person on Creator's consent screen. With a journal context (a rollout's
   * authorization step, op `connection.authorize`) it is journaled `done` with its effect.
   */
  authorize(connection: string, account: string, journal?: JournalContext, where?: AuthorizationWhere): Promise<void>;
  /**
   * `target deauthorize`: an authorization was revoked in Creator. Removes every authorization
   * `where` names (none named: each one); refused when it names none. Returns those removed.
   */
  deauthorize(connection: string, where?: AuthorizationWhere, journal?: JournalContext): Promise<Authorization[]>;
}

/** Locking: take, release, force. */
export interface TargetLocker {
  readonly name: string;

  /**
   * Takes the target's lock, or throws a LockHeldError naming the holder. Waits up to
   * `timeoutMs` for a held lock. A local lock whose holder process is dead on this machine is
   * taken over; the returned info says so in `tookOverFrom`.
   */
  acquireLock(request: LockRequest, options?: { timeoutMs?: number }): Promise<LockInfo & { tookOverFrom?: LockInfo }>;
  releaseLock(id: string): Promise<void>;
  /** `connectorops unlock`: releases a lock by id whoever holds it. False when no such lock. */
  forceUnlock(id: string): Promise<boolean>;
}

/** A ledger's rollouts: open, read, close (their done steps are in their journal). */
export interface RolloutStore extends JournalReader {
  /** Opens a rollout; refused (TargetError, status 409) while another one is open. */
  openRollout(id: string, document: unknown, opened: RolloutEvent): Promise<void>;
  /** The open rollout, or null. */
  currentRollout(): Promise<StoredRollout | null>;
  /** Closes the open rollout `id` (closed or abandoned); refused (409) when `id` is not open. */
  closeRollout(id: string, event: RolloutEvent): Promise<void>;
  /** Every rollout, oldest first. */
  rollouts(): Promise<StoredRollout[]>;
}

/** The whole store at once (the Persister): export, import, and `target init`'s mode. */
export interface StatePersister {
  exportSnapshot(): Promise<Snapshot>;
  /** Replaces the whole contents after validating the snapshot against every rule. */
  importSnapshot(snapshot: Snapshot, options?: { force?: boolean }): Promise<void>;
  /**
   * `target init`: records the mode and account. Refuses (UserError) a target that holds
   * anything or was initialized with another mode or account; the same again changes nothing.
   */
  initialize(mode: TargetMode, account: string | null): Promise<void>;
}

/** The port: every role, and closing the connection or file. */
export interface Target extends StateReader, JournaledExecutor, TargetLocker, RolloutStore, StatePersister {
  close(): Promise<void>;
}
