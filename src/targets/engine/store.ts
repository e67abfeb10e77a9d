/**
 * The storage interface under the target engine (engine.ts): what a database must offer so that
 * the engine can be a target on it. The engine holds every rule of being a target (the journal
 * protocol, the fingerprint key, snapshot validation, the lock's holder semantics); a store only
 * keeps rows, in transactions. Adapters: local/ (SQLite, one file) and postgres/ (one schema).
 *
 * Adding a kind of data (rollouts, say) is: a table in each adapter's schema (with a schema
 * version bump and its migration), and a few named operations on `StoreReader` / `StoreWriter`
 * that each adapter implements with its own SQL. The engine stays the only place with logic.
 */
import type { ReadonlyState, State } from '../../model/types.js';
import type { Effects } from '../../rules/index.js';
import type { JournalContext, JournalEntry, LockInfo, RolloutEvent, StoredRollout, TargetMode } from '../target.js';

/** What one transaction can read. Every call in one transaction sees the same committed state. */
export interface StoreReader {
  /** The serial as committed (grows by one with every committed change). */
  serial(): Promise<number>;
  /** Every connector and connection (a whole account: one query per table, never one per row). */
  loadState(): Promise<State>;
  /**
   * Optional: `loadState`, and a way to make the same state again later without reading the store
   * (SQLite keeps the rows' text). A cold `read` hands the state it loaded to its caller and the
   * engine makes its own only when a later transaction at the same serial needs it: a plan of a
   * 100k account then pays for no copy of it.
   */
  loadStateAgain?(): Promise<{ state: State; again: () => State; connectionTexts?: readonly string[]; connectorTexts?: readonly string[] }>;
  /**
   * Optional, for a store whose connection rows hold the text `canonicalConnectionJson` writes for
   * their record (snapshot.ts): the rows' text in link-name order (JavaScript's string order; SQL's
   * byte order agrees for link names, which are ASCII by N3), each element one row's text or a run
   * of rows' texts joined by `,`. With it, the engine computes every digest it reports from the
   * rows' text (`stateDigestOfTexts`), never from the records: no canonical text is written on a
   * read, and the engine's digests before and after its own commits agree with a cold read's even
   * when a row was edited by hand (snapshot.ts says why that is sound). `loadStateAgain` of such a
   * store returns the same texts, read in the same query, as `connectionTexts`.
   */
  connectionTexts?(): Promise<readonly string[]>;
  /**
   * Optional, with `connectionTexts`, for a store whose connector rows hold the text
   * `canonicalConnectorJson` writes for their record: the rows' text in link-name order, as
   * `connectionTexts` gives the connections'. The digest then writes no connector's text either.
   * `loadStateAgain` of such a store returns them, read in the same transaction, as `connectorTexts`.
   */
  connectorTexts?(): Promise<readonly string[]>;
  counts(): Promise<{ connectors: number; connections: number }>;
  journalEntry(key: JournalContext): Promise<JournalEntry | null>;
  /** A run's entries in the order they were first written. */
  journal(runId: string): Promise<JournalEntry[]>;
  lock(): Promise<StoredLock | null>;
  /** The mode and account `target init` recorded, or null (a target created implicitly). */
  targetInfo(): Promise<{ mode: TargetMode; account: string | null } | null>;
  /** The open rollout (at most one), with its events in the order they were written. */
  openRollout(): Promise<StoredRollout | null>;
  /** Every rollout, oldest first, with its events. */
  rollouts(): Promise<StoredRollout[]>;
  rolloutExists(id: string): Promise<boolean>;
}

/** What one write transaction can do, besides reading. */
export interface StoreWriter extends StoreReader {
  setSerial(serial: number): Promise<void>;
  /** The rows of one transition's effects, in World.apply's order (deletes, then upserts). */
  writeEffects(effects: Effects): Promise<void>;
  /** Every connector and connection replaced by `state`'s (its records may be a snapshot's own objects). */
  replaceContents(state: ReadonlyState): Promise<void>;
  /**
   * Writes the entry with its outcome, the key's `by` and `note` (a rollout step's confirmation).
   * Never over an entry that is `done`: the engine checks for one in the same transaction before
   * it writes `done`, and a `failed` written after a lost answer must not hide a done action.
   */
  journalRecord(key: JournalContext, op: string, linkName: string, outcome: JournalOutcome): Promise<void>;
  insertLock(lock: StoredLock): Promise<void>;
  /** Deletes the lock with this id; returns it, or null when no such lock is held. */
  deleteLock(id: string): Promise<StoredLock | null>;
  setTargetInfo(mode: TargetMode, account: string | null): Promise<void>;
  /** A new open rollout; the document is stored as JSON, as it is. */
  insertRollout(id: string, document: unknown): Promise<void>;
  closeRollout(id: string): Promise<void>;
  insertRolloutEvent(id: string, event: RolloutEvent): Promise<void>;
}

/** The lock as a store keeps it: the holder's details, and the store's own handle on its session. */
export interface StoredLock {
  info: LockInfo;
  /** The store's name for the holder's live session (PostgreSQL: its backend pid), or null. */
  session: string | null;
}

/**
 * A store's hold on its target's lock, taken before the lock row is written. Where the store has
 * a lock that dies with its holder (PostgreSQL's session advisory lock), the claim is that lock;
 * otherwise (SQLite) it is nothing and the holder's pid says whether it lives.
 */
export interface LockClaim {
  /** Recorded with the lock row, so that `unlock` can end the holder's session. */
  readonly session: string | null;
  /** True when the claim was lost (its connection ended): the lock is no longer ours. */
  lost(): boolean;
  release(): Promise<void>;
}

export interface TargetStore {
  /**
   * The target's fingerprint key (S2), created with the target; it never leaves the engine.
   * Null while the target does not exist yet (a store that creates it on the first write).
   */
  readonly fingerprintKey: Buffer | null;
  /** The key; `create` creates the target when it does not exist yet, otherwise that is a UserError. */
  requireKey(create: boolean): Promise<Buffer>;
  /** One read transaction: a consistent snapshot. */
  reading<T>(fn: (tx: StoreReader) => Promise<T>): Promise<T>;
  /**
   * One write transaction, exclusive against every other writer of the target. A store may run
   * `fn` again after a serialization failure: `fn` must have no effect outside the transaction.
   * `create`: a target that does not exist yet is created first (otherwise that is a UserError).
   */
  writing<T>(fn: (tx: StoreWriter) => Promise<T>, options?: { create?: boolean }): Promise<T>;
  /**
   * Optional, for a store where a transaction costs round trips (PostgreSQL): a journaled action
   * judged against the cached state at `atSerial`, committed in one round trip. In one transaction
   * under the writers' lock: nothing is written unless the serial is still `atSerial` and the
   * entry is not `done`; then the effects, the serial `atSerial + 1` (not for a failed action)
   * and the entry. A store without it gets the same through `writing`.
   */
  commitAction?(commit: ActionCommit): Promise<CommitAnswer>;
  /**
   * Optional, for a store whose transactions can nest savepoints without a round trip (SQLite):
   * inside a `writing` transaction, `fn`'s writes in a savepoint. When `fn` throws, its writes
   * alone are undone and the error is the answer (`ok: false`); the transaction goes on. Rejects
   * only when the transaction itself is lost (the database rolled it back): nothing of it can
   * commit then. The engine commits a batch of actions in one transaction with it (executeBatch).
   */
  savepoint?<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }>;
  /** Takes the store's own lock (see LockClaim), or null when a live session holds it. */
  claimLock(): Promise<LockClaim | null>;
  /**
   * Whether the holder of `lock` is provably dead. `claimed` says we hold the store's lock claim,
   * which for a store whose claims die with their holders proves that the recorded holder is gone.
   */
  holderIsDead(lock: StoredLock, claimed: boolean): boolean;
  /** `unlock` of a lock whose holder may be alive: ends the holder's session, if the store has one. */
  endSession(session: string): Promise<void>;
  /** The store's errors as errors for people (a TargetError naming the target); others unchanged. */
  describeError(error: unknown): Error;
  close(): Promise<void>;
}

/** What `commitAction` writes: the effects of a passed action (null: a failed one) and its entry. */
export interface ActionCommit {
  atSerial: number;
  effects: Effects | null;
  journal: { key: JournalContext; op: string; linkName: string; outcome: JournalOutcome } | null;
}

/** Committed, or nothing written: the serial as committed and the entry as it is (`done`: by someone else). */
export type CommitAnswer = { committed: true } | { committed: false; serial: number; entry: JournalEntry | null };

/** How a journaled action ended: done (with the serial it committed) or failed (with why). */
export interface JournalOutcome {
  status: 'done' | 'failed';
  serial: number | null;
  at: string;
  error: string | null;
}

/** A journal entry as both adapters' `journal` tables hold it (a bigint serial may come as text). */
export interface JournalRow {
  run_id: string;
  action_id: string;
  op: string;
  link_name: string;
  status: JournalEntry['status'];
  serial: number | string | null;
  at: string;
  error: string | null;
  /** A rollout step's confirmation: who, and the note (columns added with rollouts). */
  actor?: string | null;
  note?: string | null;
}

/** A rollout event as the adapters' `rollout_events` tables hold it. */
export interface RolloutEventRow {
  type: RolloutEvent['type'];
  actor: string;
  at: string;
  note: string | null;
}

export function rolloutEventOf(r: RolloutEventRow): RolloutEvent {
  return { type: r.type, by: r.actor, at: r.at, ...(r.note !== null ? { note: r.note } : {}) };
}

/** The lock as both adapters' `locks` tables hold it (`session`: PostgreSQL only). */
export interface LockRow {
  id: string;
  holder: string;
  host: string;
  pid: number;
  operation: string;
  started_at: string;
  session?: string | null;
}

export function journalEntryOf(r: JournalRow): JournalEntry {
  return {
    runId: r.run_id,
    actionId: r.action_id,
    op: r.op,
    linkName: r.link_name,
    status: r.status,
    serial: r.serial === null ? null : Number(r.serial),
    at: r.at,
    ...(r.error !== null ? { error: r.error } : {}),
    ...(r.actor != null ? { by: r.actor } : {}),
    ...(r.note != null ? { note: r.note } : {}),
  };
}

export function storedLockOf(row: LockRow): StoredLock {
  return {
    info: { id: row.id, holder: row.holder, host: row.host, pid: row.pid, operation: row.operation, startedAt: row.started_at },
    session: row.session ?? null,
  };
}
