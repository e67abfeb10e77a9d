/**
 * The target engine: everything that makes a database a target, written once over a small
 * storage interface (store.ts), whatever keeps the rows (local/: SQLite; postgres/: PostgreSQL).
 *
 * Why it is shaped like this (docs/targets.md has the long form):
 * - Every rule of docs/rules.md is enforced here, through the same `transition` the planner
 *   simulates with, inside the store's write transaction: the rules are checked against the state
 *   as committed, and the effects, the serial bump and the journal's `done` commit together, so a
 *   process killed at any moment leaves either all of an action or none of it.
 * - The state is cached in memory as a `World` with the serial it was read at. Every transaction
 *   re-reads the serial (one row) and reloads only when another process committed in between,
 *   so a 1,000-action apply does not reload 100k rows per action.
 * - One store transaction at a time per engine: the cache, and a store with one connection
 *   (SQLite), need no more; other processes are the store's business.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { TargetError, UserError } from '../../errors.js';
import type { ActionBody } from '../../model/actions.js';
import type { Snapshot } from '../../model/snapshot.js';
import type { Authorization, ConnectionRecord, SecretName, State } from '../../model/types.js';
import { authorizationSlot, describeAuthorization, matchingAuthorizations, sameSlot, withAuthorization, type AuthorizationWhere } from '../../model/authorizations.js';
import { SECRET_PARAMETERS } from '../../model/types.js';
import { authorizationRefusal, formatViolation, transition, World, type Effects, type SecretFingerprints, type Violation } from '../../rules/index.js';
import { parseAction } from '../action-schema.js';
import { LockHeldError, waitForLock } from '../lock.js';
import { checkTargetRecords, stateDigest, stateDigestOfTexts, stateToSnapshot, validateSnapshot } from '../snapshot.js';
import { executeEach } from '../target.js';
import type {
  BatchAction,
  BatchOutcome,
  ExecuteResult,
  JournalContext,
  JournalEntry,
  LockInfo,
  LockRequest,
  RolloutEvent,
  StateSnapshot,
  StoredRollout,
  Target,
  TargetInfo,
  TargetMode,
} from '../target.js';
import { Fingerprinter } from './secrets.js';
import { plural } from '../../util/text.js';
import type { JournalOutcome, LockClaim, StoreReader, StoreWriter, TargetStore } from './store.js';

/** Every secret parameter's name (made once: `execute` checks each action's secrets against it). */
const SECRET_NAMES: ReadonlySet<string> = new Set<string>(Object.values(SECRET_PARAMETERS).flat());

/** How long a store's lock may be held by a session that has not written its holder row yet. */
const UNRECORDED_HOLDER_MS = 5_000;

type Acquired = LockInfo & { tookOverFrom?: LockInfo };

/** A target over a store. Adapters subclass it only to open their store (LocalTarget, PostgresTarget). */
export class TargetEngine implements Target {
  readonly name: string;

  readonly #store: TargetStore;
  #fingerprinter: Fingerprinter | null = null;
  /** The claims behind the locks this engine holds, by lock id. */
  readonly #claims = new Map<string, LockClaim>();
  #world: World | null = null;
  #worldSerial = -1;
  /** With no world cached: makes the state at #worldSerial again, already checked (a store's loadStateAgain). */
  #again: (() => State) | null = null;
  #digest: { serial: number; digest: string } | null = null;
  #closed = false;
  #queue: Promise<unknown> = Promise.resolve();

  protected constructor(name: string, store: TargetStore) {
    this.name = name;
    this.#store = store;
    if (store.fingerprintKey) this.#fingerprinter = new Fingerprinter(store.fingerprintKey);
  }

  /**
   * Target.groupCommit: a store with savepoints (`TargetStore.savepoint`: SQLite, in-process, no
   * round trip) commits an `executeBatch` as one transaction. A store without them (PostgreSQL)
   * carries a batch out one `execute` after another, so apply gains nothing by grouping there.
   */
  get groupCommit(): boolean {
    return this.#store.savepoint !== undefined;
  }

  /** The id of this target's fingerprint key: fingerprints under another key id never equal ours. */
  get fingerprintKeyId(): string {
    if (!this.#fingerprinter) throw new TargetError(`target ${this.name} does not exist yet: it has no fingerprint key`);
    return this.#fingerprinter.keyId;
  }

  async read(): Promise<StateSnapshot> {
    const read = await this.#reading(async (tx) => {
      const now = await tx.serial();
      let state: State;
      let texts: readonly string[] | undefined;
      let connectorTexts: readonly string[] | undefined;
      if (this.#world && this.#worldSerial === now) state = copyState(this.#world.state);
      else if (this.#again && this.#worldSerial === now) state = this.#again();
      else if (tx.loadStateAgain) {
        // Not cached: the state loaded goes to the caller as it is, and the world is made from the
        // rows' text (kept by `again`) when a transaction needs it.
        const loaded = await tx.loadStateAgain();
        checkTargetRecords(loaded.state, this.name);
        this.#world = null;
        this.#worldSerial = now;
        this.#again = loaded.again;
        state = loaded.state;
        texts = loaded.connectionTexts;
        connectorTexts = loaded.connectorTexts;
      } else state = copyState((await this.#fresh(tx)).state);
      // One way of digesting per store, whatever was cached: from the rows' canonical text where the
      // store keeps it (store.ts, connectionTexts), otherwise from the records. The text is read in
      // the transaction; the hashing is done after it, as the store's transaction need not wait.
      const known = this.#digest?.serial === now ? this.#digest.digest : null;
      const digestTexts = known === null && tx.connectionTexts ? (texts ?? (await tx.connectionTexts())) : null;
      const digestConnectorTexts = digestTexts && tx.connectorTexts ? (connectorTexts ?? (await tx.connectorTexts())) : null;
      return { state, serial: now, known, texts: digestTexts, connectorTexts: digestConnectorTexts };
    });
    const digest = read.known ?? (read.texts ? stateDigestOfTexts(read.texts, read.connectorTexts ?? read.state.connectors) : stateDigest(read.state));
    this.#digest = { serial: read.serial, digest };
    return { state: read.state, serial: read.serial, digest };
  }

  /** The serial as committed now, without loading the state. */
  async serial(): Promise<number> {
    return this.#reading((tx) => tx.serial());
  }

  async fingerprintSecrets(values: string[]): Promise<string[]> {
    const fingerprinter = await this.#keyed(false);
    return values.map((v) => fingerprinter.fingerprint(v));
  }

  /**
   * Carries out one action. The "already done" check, the rules, the effects, the serial and the
   * journal entry are one transaction of the store (issue 18: two confirmations of one step must
   * not both carry it out): a second caller with the same run and action id waits for the first
   * and is then refused, naming who did it and when.
   */
  async execute(action: ActionBody, secrets: Partial<Record<SecretName, string>> = {}, journal?: JournalContext): Promise<ExecuteResult> {
    this.#open();
    const act = parseAction(action);
    const fingerprints = this.#fingerprints(secrets, await this.#keyed(true));
    this.#checkClaims();

    let outcome: ActionOutcome;
    try {
      // A store without `commitAction` (SQLite) goes straight to its transaction: one hop through
      // the queue per action, not two (issue 25).
      const onCache = this.#store.commitAction ? await this.#serialized(() => this.#commitOnCache(act, fingerprints, journal)) : null;
      outcome = onCache ?? (await this.#executeInTransaction(act, fingerprints, journal));
    } catch (error) {
      if (journal) await this.#journalFailedBestEffort(journal, act, (error as Error).message);
      throw error;
    }
    if (outcome.kind === 'done') this.#commitToWorld(outcome.effects, outcome.serial);
    return answerOf(outcome, journal);
  }

  /**
   * Target.executeBatch: the actions one after another as `execute` would carry them out, in one
   * store transaction, each in a savepoint of its own (its check, effect, serial and entry are
   * kept or undone together; an action that throws is undone alone, and journaled failed in the
   * same transaction). The cache follows each action as it is judged, so that the next one is
   * judged against the state the ones before it left, as it would be after their commits. A store
   * without savepoints (PostgreSQL, whose `commitAction` is one round trip an action already)
   * carries them out one `execute` after another.
   *
   * Why one commit for several actions is sound: the commit is what makes each action durable,
   * and it happens before any of them is answered; a crash before it loses the whole batch, and
   * then no action of it was answered, none is journaled done, and a re-send carries each out
   * once (the journal says so after the commit, whatever became of the answer).
   */
  async executeBatch(actions: readonly BatchAction[]): Promise<BatchOutcome[]> {
    const savepoint = this.#store.savepoint?.bind(this.#store);
    if (!savepoint || actions.length < 2) return executeEach(this, actions);
    const out: BatchOutcome[] = [];
    const ready: Array<{ at: number; act: ActionBody; fingerprints: SecretFingerprints; journal: JournalContext }> = [];
    try {
      this.#open();
      const fingerprinter = await this.#keyed(true);
      this.#checkClaims();
      actions.forEach((a, at) => {
        try {
          ready.push({ at, act: parseAction(a.action), fingerprints: this.#fingerprints(a.secrets, fingerprinter), journal: a.journal });
        } catch (error) {
          out[at] = failed(error);
        }
      });
    } catch (error) {
      return actions.map(() => failed(error));
    }
    try {
      await this.#writing(async (tx) => {
        for (const r of ready) {
          const one = await savepoint(() => this.#actInTransaction(tx, r.act, r.fingerprints, r.journal));
          if (one.ok) {
            if (one.value.kind === 'done') this.#commitToWorld(one.value.effects, one.value.serial);
            out[r.at] = settle(one.value, r.journal);
            continue;
          }
          const error = this.#store.describeError(one.error);
          out[r.at] = failed(error);
          // As execute does after a failed transaction, in this one.
          if (!error.message.includes(ALREADY_DONE)) await savepoint(() => tx.journalRecord(r.journal, r.act.op, r.act.linkName, failedEntry(error.message)));
        }
      });
    } catch (error) {
      // The transaction as a whole (its commit, say): nothing of it is in the store.
      for (const r of ready) {
        await this.#journalFailedBestEffort(r.journal, r.act, (error as Error).message);
        out[r.at] = failed(error);
      }
    }
    return out;
  }

  /** The whole action in one store transaction: check, rules, effects, serial, journal entry. */
  #executeInTransaction(act: ActionBody, fingerprints: SecretFingerprints, journal: JournalContext | undefined): Promise<ActionOutcome> {
    return this.#writing((tx) => this.#actInTransaction(tx, act, fingerprints, journal));
  }

  /** One action's check, rules, effects, serial and journal entry, in the transaction `tx`. */
  async #actInTransaction(tx: StoreWriter, act: ActionBody, fingerprints: SecretFingerprints, journal: JournalContext | undefined): Promise<ActionOutcome> {
    const existing = journal ? await tx.journalEntry(journal) : null;
    if (existing?.status === 'done') return { kind: 'already', entry: existing };
    const world = await this.#fresh(tx);
    const result = transition(world, act, fingerprints);
    const at = new Date().toISOString();
    if (!result.ok) {
      if (journal) await tx.journalRecord(journal, act.op, act.linkName, failedEntry(violationMessage(result.violations), at));
      return { kind: 'refused', violations: result.violations };
    }
    await tx.writeEffects(result.effects);
    const serial = this.#worldSerial + 1;
    await tx.setSerial(serial);
    if (journal) await tx.journalRecord(journal, act.op, act.linkName, { status: 'done', serial, at, error: null });
    return { kind: 'done', effects: result.effects, serial };
  }

  /**
   * The same action judged against the cached world and committed in one round trip, on a store
   * that offers it (`commitAction`: PostgreSQL). Null when there is nothing cached, or another
   * process committed since (the store wrote nothing): then the whole transaction runs.
   */
  async #commitOnCache(act: ActionBody, fingerprints: SecretFingerprints, journal: JournalContext | undefined): Promise<ActionOutcome | null> {
    const world = this.#world;
    if (!this.#store.commitAction || !world) return null;
    const atSerial = this.#worldSerial;
    const result = transition(world, act, fingerprints);
    const at = new Date().toISOString();
    const outcome: JournalOutcome = result.ok ? { status: 'done', serial: atSerial + 1, at, error: null } : failedEntry(violationMessage(result.violations), at);
    const answer = await this.#store
      .commitAction({
        atSerial,
        effects: result.ok ? result.effects : null,
        journal: journal ? { key: journal, op: act.op, linkName: act.linkName, outcome } : null,
      })
      .catch(this.#forgetAndRethrow);
    if (!answer.committed) {
      if (answer.entry?.status === 'done') return { kind: 'already', entry: answer.entry };
      this.#forget();
      return null;
    }
    return result.ok ? { kind: 'done', effects: result.effects, serial: atSerial + 1 } : { kind: 'refused', violations: result.violations };
  }

  async journal(runId: string): Promise<JournalEntry[]> {
    return this.#reading((tx) => tx.journal(runId));
  }

  async acquireLock(request: LockRequest, options: { timeoutMs?: number } = {}): Promise<Acquired> {
    this.#open();
    return waitForLock(() => this.#lockOnce(request), { timeoutMs: Math.max(0, options.timeoutMs ?? 0), target: this.name });
  }

  /**
   * One try for the lock: it, or a LockHeldError naming the holder (waitForLock waits on those).
   * A holder without a row is between taking the store's lock and writing its row: it is given a
   * moment to say who it is, not a lock wait.
   */
  async #lockOnce(request: LockRequest): Promise<Acquired> {
    const settleBy = Date.now() + UNRECORDED_HOLDER_MS;
    for (;;) {
      const attempt = await this.#tryLock(request);
      if ('got' in attempt) return attempt.got;
      if (attempt.held) throw new LockHeldError(attempt.held, this.name, 0);
      if (Date.now() >= settleBy) {
        throw new TargetError(`target ${this.name} is locked by a session that has not said who it is`, {
          hint: "try again; if it stays so, another program holds connectorops's lock on this target",
        });
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async releaseLock(id: string): Promise<void> {
    await this.#writing((tx) => tx.deleteLock(id).then(() => undefined));
    await this.#releaseClaim(id);
  }

  async forceUnlock(id: string): Promise<boolean> {
    const removed = await this.#writing((tx) => tx.deleteLock(id));
    if (this.#claims.has(id)) await this.#releaseClaim(id);
    else if (removed?.session) await this.#store.endSession(removed.session);
    return removed !== null;
  }

  /** The lock as it is held now, or null. */
  async currentLock(): Promise<LockInfo | null> {
    return this.#reading(async (tx) => (await tx.lock())?.info ?? null);
  }

  async exportSnapshot(): Promise<Snapshot> {
    return this.#reading(async (tx) => stateToSnapshot((await this.#fresh(tx)).state));
  }

  /**
   * Validates the whole snapshot (schema, format version, every rule of `checkState`), then
   * replaces the contents in one transaction and bumps the serial (never resets it: a plan made
   * before the import must be stale). Refuses to replace a non-empty target without `force`.
   * Journal and lock are kept: they are about runs, not contents.
   */
  async importSnapshot(snapshot: unknown, options: { force?: boolean } = {}): Promise<void> {
    this.#open();
    const validated = validateSnapshot(snapshot);
    // A snapshot validated before it came here (the CLI's, parsed from a file) is read-only by
    // contract: the target writes the records validation checked, which may be its own objects,
    // and makes a state only when a transaction needs one (an import from the command line never
    // does). A document handed in as it is stays its caller's, who could change it while the
    // import waits for the store, or after: what is written and kept is a state made of it now.
    let state: State | null = snapshot === validated.snapshot ? null : validated.state;
    const records = state ?? validated.records;
    const serial = await this.#writing(async (tx) => {
      // With force the contents are replaced whatever they are: no count (two scans of the tables).
      const count = options.force ? null : await tx.counts();
      if (count && (count.connectors > 0 || count.connections > 0)) {
        throw new UserError(
          `target ${this.name} is not empty (${plural(count.connectors, 'connector')}, ${plural(count.connections, 'connection')}); nothing was imported`,
          { hint: 'add --force to replace everything it holds with the snapshot' },
        );
      }
      await tx.replaceContents(records);
      const next = (await tx.serial()) + 1;
      await tx.setSerial(next);
      return next;
    }, true);
    // The world is made when a transaction needs it: from the state made above, which no one else
    // holds, or a state of its own from the snapshot, never the records written.
    this.#world = null;
    this.#worldSerial = serial;
    this.#again = () => {
      const made = state ?? validated.state;
      state = null;
      return made;
    };
  }

  /**
   * Stand-in for a person on Creator's consent screen: the connection becomes authorized by
   * `account`, in the environment and for the user `where` names (authorizationSlot: a connection
   * with separate authorizations needs its environment, a logged-in user connection its user).
   * Conservative (assumed, R11): refused for an unknown connection, an empty account,
   * a disabled connection, or a connection whose connector is disabled, since Creator would not
   * let anyone use either. Authorizing again with the same account changes nothing (no serial bump).
   */
  async authorize(connection: string, account: string, journal?: JournalContext, where: AuthorizationWhere = {}): Promise<void> {
    this.#open();
    const who = checkedName(connection, 'the account', account);
    const user = where.user === undefined ? undefined : checkedName(connection, 'the user', where.user);
    let changed: { effects: Effects; serial: number } | null;
    try {
      changed = await this.#authorizeInTransaction(connection, who, { ...where, ...(user !== undefined ? { user } : {}) }, journal);
    } catch (error) {
      if (journal) await this.#journalFailedBestEffort(journal, { op: 'connection.authorize', linkName: connection }, (error as Error).message);
      throw error;
    }
    if (changed) this.#commitToWorld(changed.effects, changed.serial);
  }

  #authorizeInTransaction(
    connection: string,
    who: string,
    where: AuthorizationWhere,
    journal: JournalContext | undefined,
  ): Promise<{ effects: Effects; serial: number } | null> {
    return this.#writing(async (tx) => {
      const existing = journal ? await tx.journalEntry(journal) : null;
      if (existing?.status === 'done') throw alreadyDone(journal!, existing);
      const world = await this.#fresh(tx);
      const refusal = authorizationRefusal(world.state, connection);
      if (refusal?.reason === 'missing') throw new TargetError(refusal.message, { status: 404 });
      if (refusal) throw new TargetError(refusal.message, { rule: refusal.rule, hint: refusal.hint });
      const current = world.connection(connection)!;
      const at = new Date().toISOString();
      if (where.announced) {
        if (current.authorizationOwner !== 'user') {
          throw new TargetError(`R18: connection '${connection}' is an admin connection: an admin authorizes it, its users do not`, { rule: 'R18', status: 400 });
        }
        if (journal) await tx.journalRecord(journal, 'connection.authorize', connection, { status: 'done', serial: this.#worldSerial, at, error: null });
        return null;
      }
      const slot = authorizationSlot(current, where);
      if (!slot.ok) throw new TargetError(`R18: ${slot.message}`, { rule: 'R18', status: 400 });
      const auth: Authorization = { environment: slot.environment, account: who, ...(slot.user !== undefined ? { user: slot.user } : {}) };
      if (current.authorizations.some((a) => sameSlot(a, auth) && a.account === who)) {
        if (journal) await tx.journalRecord(journal, 'connection.authorize', connection, { status: 'done', serial: this.#worldSerial, at, error: null });
        return null;
      }
      const record: ConnectionRecord = withAuthorization(current, auth);
      const effects: Effects = { upsertConnectors: [], deleteConnectors: [], upsertConnections: [record], deleteConnections: [], revoked: [] };
      await tx.writeEffects(effects);
      const serial = this.#worldSerial + 1;
      await tx.setSerial(serial);
      if (journal) await tx.journalRecord(journal, 'connection.authorize', connection, { status: 'done', serial, at, error: null });
      return { effects, serial };
    });
  }

  /**
   * A person revoked authorizations in Creator (Manage Connections → Revoke), or a user was
   * deactivated: every authorization of the connection that `where` names is gone (no environment
   * or user: each one). Refused when it names none. Returns what was removed.
   */
  async deauthorize(connection: string, where: AuthorizationWhere = {}, journal?: JournalContext): Promise<Authorization[]> {
    this.#open();
    const changed = await this.#writing(async (tx) => {
      // On a ledger the change is journaled (its audit trail): the check, the effect and the entry in one transaction.
      const existing = journal ? await tx.journalEntry(journal) : null;
      if (existing?.status === 'done') throw alreadyDone(journal!, existing);
      const world = await this.#fresh(tx);
      const current = world.connection(connection);
      if (!current) throw new TargetError(`connection '${connection}' does not exist`, { status: 404 });
      const gone = matchingAuthorizations(current, where);
      if (!gone.length) {
        throw new TargetError(`connection '${connection}' holds no authorization${describeWhere(where)}`, {
          status: 404,
          hint: current.authorizations.length
            ? `it holds: ${current.authorizations.map(describeAuthorization).join(', ')}`
            : 'nothing to record: it is not authorized at all (target export shows what each connection holds)',
        });
      }
      const record: ConnectionRecord = { ...current, authorizations: current.authorizations.filter((a) => !gone.includes(a)) };
      const effects: Effects = { upsertConnectors: [], deleteConnectors: [], upsertConnections: [record], deleteConnections: [], revoked: [] };
      await tx.writeEffects(effects);
      const serial = this.#worldSerial + 1;
      await tx.setSerial(serial);
      if (journal) await tx.journalRecord(journal, 'connection.deauthorize', connection, { status: 'done', serial, at: new Date().toISOString(), error: null });
      return { effects, serial, gone };
    });
    this.#commitToWorld(changed.effects, changed.serial);
    return changed.gone;
  }

  // Mode and rollouts (docs/rollouts.md). Which steps are done is the journal of run `id`.

  async info(): Promise<TargetInfo> {
    const recorded = await this.#reading((tx) => tx.targetInfo());
    return { mode: recorded?.mode ?? 'simulated', account: recorded?.account ?? null, initialized: recorded !== null };
  }

  async initialize(mode: TargetMode, account: string | null): Promise<void> {
    this.#open();
    await this.#keyed(true);
    await this.#writing(async (tx) => {
      const now = await tx.targetInfo();
      if (now) {
        if (now.mode === mode && now.account === account) return;
        throw new UserError(`target ${this.name} is already a ${now.mode} target${now.account ? ` for ${now.account}` : ''}; nothing was changed`, {
          hint: 'a target keeps the mode it was created with: initialize another target',
        });
      }
      const count = await tx.counts();
      if (count.connectors > 0 || count.connections > 0 || (await tx.rollouts()).length > 0) {
        throw new UserError(`target ${this.name} is not empty; nothing was changed`, {
          hint: 'target init creates an empty target: name a new one (local:PATH creates the file)',
        });
      }
      await tx.setTargetInfo(mode, account);
    });
  }

  async openRollout(id: string, document: unknown, opened: RolloutEvent): Promise<void> {
    this.#open();
    await this.#keyed(true);
    await this.#writing(async (tx) => {
      const current = await tx.openRollout();
      if (current) {
        throw new TargetError(`target ${this.name} already has an open rollout (${current.id}); a target has at most one`, {
          status: 409,
          hint: 'finish it (connectorops rollout) or abandon it (connectorops rollout abandon)',
        });
      }
      if (await tx.rolloutExists(id)) throw new TargetError(`a rollout with id ${id} already exists on target ${this.name}`, { status: 409 });
      await tx.insertRollout(id, document);
      await tx.insertRolloutEvent(id, opened);
    });
  }

  async currentRollout(): Promise<StoredRollout | null> {
    return this.#reading((tx) => tx.openRollout());
  }

  async closeRollout(id: string, event: RolloutEvent): Promise<void> {
    await this.#writing(async (tx) => {
      const current = await tx.openRollout();
      if (current?.id !== id) {
        throw new TargetError(`rollout ${id} is not open on target ${this.name}${current ? ` (the open one is ${current.id})` : ''}`, { status: 409 });
      }
      await tx.closeRollout(id);
      await tx.insertRolloutEvent(id, event);
    });
  }

  async rollouts(): Promise<StoredRollout[]> {
    return this.#reading((tx) => tx.rollouts());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#world = null;
    this.#again = null;
    await this.#queue.catch(() => {});
    for (const id of [...this.#claims.keys()]) await this.#releaseClaim(id);
    await this.#store.close();
  }

  // -------------------------------------------------------------------------------------------

  #open(): void {
    if (this.#closed) throw new TargetError(`target ${this.name} is closed`);
  }

  /** Runs store transactions one at a time (see the file comment), with the store's errors made readable. */
  #serialized<T>(run: () => Promise<T>): Promise<T> {
    this.#open();
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => {});
    return result.catch((error: unknown) => {
      throw this.#store.describeError(error);
    });
  }

  #reading<T>(fn: (tx: StoreReader) => Promise<T>): Promise<T> {
    return this.#serialized(() => this.#store.reading(fn).catch(this.#forgetAndRethrow));
  }

  /** A write; only `create` ones (an import; an action and the lock create through the key and the claim) may create the target. */
  #writing<T>(fn: (tx: StoreWriter) => Promise<T>, create = false): Promise<T> {
    return this.#serialized(() => this.#store.writing(fn, { create }).catch(this.#forgetAndRethrow));
  }

  /** A failed transaction may have left the cache ahead of or behind the store: drop it. */
  readonly #forgetAndRethrow = (error: unknown): never => {
    this.#forget();
    throw error;
  };

  /** The world as committed; call inside a transaction so that the serial and the rows agree. */
  async #fresh(tx: StoreReader): Promise<World> {
    const serial = await tx.serial();
    if (this.#world && this.#worldSerial === serial) return this.#world;
    if (this.#again && this.#worldSerial === serial) {
      this.#world = new World(this.#again());
      this.#again = null;
      return this.#world;
    }
    // Every record is checked against the manifest rules (N1-N3) as it is loaded, once per load,
    // before any read, export, plan or action uses it: a row edited by hand to `../../x` is a
    // damaged target naming the record, never a file name (issue 18, item 4).
    const state = await tx.loadState();
    checkTargetRecords(state, this.name);
    this.#world = new World(state);
    this.#worldSerial = serial;
    this.#again = null;
    return this.#world;
  }

  /** After a commit: the same effects on the cached world, so it matches the store again. */
  #commitToWorld(effects: Effects, serial: number): void {
    if (!this.#world || this.#worldSerial !== serial - 1) return this.#forget();
    try {
      this.#world.apply(effects);
      this.#worldSerial = serial;
    } catch {
      this.#forget();
    }
  }

  /** Drops the cache; the next transaction reloads from the store. */
  #forget(): void {
    this.#world = null;
    this.#worldSerial = -1;
    this.#again = null;
  }

  /** The fingerprinter under the target's key; `create`: a target that does not exist yet is created. */
  async #keyed(create: boolean): Promise<Fingerprinter> {
    if (!this.#fingerprinter) {
      const key = await this.#serialized(() => this.#store.requireKey(create));
      this.#fingerprinter ??= new Fingerprinter(key);
    }
    return this.#fingerprinter;
  }

  #fingerprints(secrets: Partial<Record<SecretName, string>>, fingerprinter: Fingerprinter): SecretFingerprints {
    const out: SecretFingerprints = {};
    for (const [name, value] of Object.entries(secrets)) {
      if (value === undefined) continue;
      if (!SECRET_NAMES.has(name))
        throw new TargetError(`'${name}' is not a secret parameter (the secrets are ${[...SECRET_NAMES].join(', ')})`, { status: 400, rule: 'S1' });
      // The message names the parameter only: a malformed value might still be a secret (S2).
      if (typeof value !== 'string' || value === '') throw new TargetError(`the value given for ${name} is empty or not text`, { status: 400 });
      out[name as SecretName] = fingerprinter.fingerprint(value);
    }
    return out;
  }

  /** After an error that is not a rule's (the store failed, say): the entry says failed, unless it is done. */
  async #journalFailedBestEffort(journal: JournalContext, action: { op: string; linkName: string }, message: string): Promise<void> {
    if (message.includes(ALREADY_DONE)) return;
    try {
      await this.#writing((tx) => tx.journalRecord(journal, action.op, action.linkName, failedEntry(message)));
    } catch {
      // No entry, or an old one: the journal then does not say the action was carried out, which is true (it is one transaction).
    }
  }

  /**
   * An engine that holds a lock whose claim was lost (`unlock` ended its session, or the
   * connection to the server broke) carries out nothing more: another run may hold the lock now.
   */
  #checkClaims(): void {
    for (const [id, claim] of this.#claims) {
      if (claim.lost()) {
        throw new TargetError(
          `target ${this.name}: the lock ${id} of this run was lost (its connection ended, or \`connectorops unlock\` released it); nothing more is carried out`,
          {
            hint: 'run apply again: it resumes from the journal',
          },
        );
      }
    }
  }

  /** One try: taken (free, or its holder is dead), or held by a live holder (null: by one still writing its row). */
  async #tryLock(request: LockRequest): Promise<{ got: Acquired } | { held: LockInfo | null }> {
    const claim = await this.#serialized(() => this.#store.claimLock());
    if (!claim) return { held: await this.currentLock() };
    let attempt: { got: Acquired } | { held: LockInfo };
    try {
      attempt = await this.#writing(async (tx) => {
        const current = await tx.lock();
        if (current && !this.#store.holderIsDead(current, true)) return { held: current.info };
        if (current) await tx.deleteLock(current.info.id);
        const info: LockInfo = { ...request, id: randomBytes(4).toString('hex'), startedAt: new Date().toISOString() };
        await tx.insertLock({ info, session: claim.session });
        return { got: current ? { ...info, tookOverFrom: current.info } : info };
      });
    } catch (error) {
      await claim.release();
      throw error;
    }
    if ('held' in attempt) {
      await claim.release();
      return attempt;
    }
    this.#claims.set(attempt.got.id, claim);
    return attempt;
  }

  async #releaseClaim(id: string): Promise<void> {
    const claim = this.#claims.get(id);
    if (!claim) return;
    this.#claims.delete(id);
    await claim.release().catch(() => {
      // A claim whose connection is already gone is released already.
    });
  }
}

/**
 * The lock holder semantics of a store without a lock that dies with its holder: only a holder on
 * this machine can be proven dead (signal 0 → ESRCH). A holder elsewhere, or one we may not signal
 * (EPERM: alive, another user), counts as alive.
 */
export function holderProcessIsDead(lock: LockInfo): boolean {
  if (lock.host !== hostname()) return false;
  if (lock.pid === process.pid) return false;
  // Only a process id can be found dead: `kill(-n, 0)` asks after a process group, `kill(0, 0)`
  // after our own, and a pid past the system's range after nothing. A lock naming such a holder
  // (edited by hand) stays until `unlock` releases it, never taken over silently.
  if (!Number.isSafeInteger(lock.pid) || lock.pid <= 0 || lock.pid >= PID_LIMIT) return false;
  try {
    process.kill(lock.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** No process id reaches it: Linux's `pid_max` is at most 2^22, and other systems' ids are smaller. */
const PID_LIMIT = 2 ** 22;

/** A deep copy that callers may change freely (the planner's simulation takes ownership of its state). */
function copyState(state: State): State {
  const out: State = { connectors: new Map(), connections: new Map() };
  for (const [k, v] of state.connectors) out.connectors.set(k, copyJson(v));
  for (const [k, v] of state.connections) out.connections.set(k, copyJson(v));
  return out;
}

/** A deep copy of plain JSON data: records are nothing else, and this is 5× faster than structuredClone on 100k of them. */
function copyJson<T>(value: T): T {
  if (Array.isArray(value)) {
    const out: unknown[] = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyJson(value[i]);
    return out as T;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key in value) out[key] = copyJson((value as Record<string, unknown>)[key]);
    return out as T;
  }
  return value;
}

type ActionOutcome = { kind: 'done'; effects: Effects; serial: number } | { kind: 'refused'; violations: Violation[] } | { kind: 'already'; entry: JournalEntry };

const ALREADY_DONE = 'is already done by';

/** An action's outcome as `execute` answers it: its result, or the error it throws. */
function answerOf(outcome: ActionOutcome, journal: JournalContext | undefined): ExecuteResult {
  if (outcome.kind === 'already') throw alreadyDone(journal!, outcome.entry);
  if (outcome.kind === 'refused') {
    const first = outcome.violations[0]!;
    throw new TargetError(violationMessage(outcome.violations), {
      rule: first.rule,
      ...(first.hint ? { hint: first.hint } : {}),
      cause: outcome.violations,
    });
  }
  return { serial: outcome.serial, revoked: outcome.effects.revoked };
}

const failed = (error: unknown): BatchOutcome => ({ ok: false, error });

/** An action's outcome as a batch answers it: answerOf's result, or the error it throws. */
function settle(outcome: ActionOutcome, journal: JournalContext | undefined): BatchOutcome {
  try {
    return { ok: true, result: answerOf(outcome, journal) };
  } catch (error) {
    return failed(error);
  }
}

/** The journal entry of an action that was not carried out. */
function failedEntry(error: string, at = new Date().toISOString()): JournalOutcome {
  return { status: 'failed', serial: null, at, error };
}

/** A second confirmation of a step, a repeat of an action: refused, naming who did it and when. */
function alreadyDone(journal: JournalContext, entry: JournalEntry): TargetError {
  return new TargetError(
    `action ${journal.actionId} of run ${journal.runId} ${ALREADY_DONE} ${entry.by ?? 'a run'} at ${entry.at} (serial ${entry.serial}); it is not carried out twice`,
    { status: 409, hint: 'nothing was changed: its journal entry says who carried it out' },
  );
}

/** `R9: delete connection 'crm_sales' before deleting connector 'crm'`; several joined by `; `. */
function violationMessage(violations: Violation[]): string {
  return violations.map(formatViolation).join('; ');
}

/** An account or user name as a person typed it, trimmed; refused when empty, too long or holding control characters. */
function checkedName(connection: string, what: string, name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw new TargetError(`authorize connection '${connection}': ${what} cannot be empty`, { status: 400 });
  // eslint-disable-next-line no-control-regex -- the control characters are what this refuses
  if (/[\u0000-\u001f\u007f]/.test(trimmed) || trimmed.length > 100) {
    throw new TargetError(`authorize connection '${connection}': ${what} must be a name of at most 100 characters, without control characters`, { status: 400 });
  }
  return trimmed;
}

function describeWhere(where: AuthorizationWhere): string {
  const parts = [where.environment !== undefined ? `environment '${where.environment}'` : '', where.user !== undefined ? `user '${where.user}'` : ''].filter(Boolean);
  return parts.length ? ` for ${parts.join(' and ')}` : '';
}
