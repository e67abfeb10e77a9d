/**
 * The embedded target (`local:PATH`): a Creator account in one SQLite file that enforces every
 * rule of creator-rules.md on its own, through the same `transition` the planner simulates with.
 *
 * Why it is shaped like this (docs/targets.md has the long form):
 * - One action is one `BEGIN IMMEDIATE` transaction: the rules are checked against the state as
 *   committed, the effects and the serial bump and the journal's `done` commit together, so a
 *   process killed at any moment leaves either all of an action or none of it.
 * - The state is cached in memory as a `World` with the serial it was read at. Every transaction
 *   re-reads the serial (one row) and reloads only when another process committed in between,
 *   so a 1,000-action apply does not reload 100k rows per action.
 * - WAL and a busy timeout let several processes share the file (an apply, a person authorizing).
 *   `synchronous=NORMAL` is durable against a killed process; on power loss the last commits may
 *   be lost, but state, serial and journal always roll back together.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { TargetError, UserError } from '../../errors.js';
import type { ActionBody } from '../../model/actions.js';
import type { Snapshot } from '../../model/snapshot.js';
import type { ConnectionRecord, ConnectorRecord, SecretName, State } from '../../model/types.js';
import { SECRET_PARAMETERS } from '../../model/types.js';
import { quoteTerminal } from '../../render/escape.js';
import { formatViolation, transition, World, type Effects, type SecretFingerprints, type Violation } from '../../rules/index.js';
import { parseAction } from '../action-schema.js';
import { LockHeldError } from '../lock.js';
import { stateDigest, stateToSnapshot, validateSnapshot } from '../snapshot.js';
import type { ExecuteResult, JournalContext, JournalEntry, LockInfo, LockRequest, StateSnapshot, Target } from '../target.js';
import { BUSY_TIMEOUT_MS, damaged, openDatabase, openEmptyInMemory } from './open.js';
import { Fingerprinter } from './secrets.js';

export { LOCAL_SCHEMA_VERSION, TargetMissingError } from './open.js';

const LOCK_POLL_MS = 200;

interface JournalRow {
  run_id: string;
  action_id: string;
  op: string;
  link_name: string;
  status: JournalEntry['status'];
  serial: number | null;
  at: string;
  error: string | null;
}

interface LockRow {
  id: string;
  holder: string;
  host: string;
  pid: number;
  operation: string;
  started_at: string;
}

export interface LocalTargetOptions {
  /** How the user named the target, for messages (`local:.connectorops/local.db`, or a name from connectorops.yaml). */
  name?: string;
  /**
   * Create the file when there is none (default true). Commands that only read pass false: a
   * typo in a path must not leave an empty account behind (TargetMissingError instead).
   */
  create?: boolean;
}

/** The embedded target. Open it with `LocalTarget.open(path)` (or `openTarget('local:PATH')`). */
export class LocalTarget implements Target {
  readonly name: string;
  /** The absolute path of the SQLite file. */
  readonly path: string;
  /** The id of this target's fingerprint key: fingerprints under another key id never equal ours. */
  readonly fingerprintKeyId: string;

  readonly #db: Database.Database;
  readonly #fingerprinter: Fingerprinter;
  readonly #stmt: ReturnType<typeof prepare>;
  #world: World | null = null;
  #worldSerial = -1;
  #digest: { serial: number; digest: string } | null = null;
  #closed = false;

  private constructor(path: string, name: string, db: Database.Database, key: Buffer) {
    this.path = path;
    this.name = name;
    this.#db = db;
    this.#fingerprinter = new Fingerprinter(key);
    this.fingerprintKeyId = this.#fingerprinter.keyId;
    this.#stmt = prepare(db);
  }

  /**
   * Opens the target file; creates it (and its parent directories) with a fresh fingerprint key
   * when there is none, unless `create` is false (then TargetMissingError). Refuses, without
   * changing it, a file that is not an SQLite database, an SQLite database that is not a
   * connectorops target, a damaged target, and a target written by a newer connectorops.
   */
  static open(path: string, options: LocalTargetOptions = {}): LocalTarget {
    const abs = resolve(path);
    const name = options.name ?? `local:${path}`;
    const { db, key } = openDatabase(abs, name, { create: options.create ?? true });
    return LocalTarget.#wrap(abs, name, db, key);
  }

  /**
   * The account at `path` as it is before it exists: empty, serial 0, in memory only (nothing is
   * written anywhere). `plan` reads this for a local target that has no file yet.
   */
  static empty(path: string, options: Pick<LocalTargetOptions, 'name'> = {}): LocalTarget {
    const { db, key } = openEmptyInMemory();
    return LocalTarget.#wrap(resolve(path), options.name ?? `local:${path}`, db, key);
  }

  static #wrap(abs: string, name: string, db: Database.Database, key: Buffer): LocalTarget {
    try {
      return new LocalTarget(abs, name, db, key);
    } catch (error) {
      db.close();
      throw wrapSqlite(error, name);
    }
  }

  async read(): Promise<StateSnapshot> {
    this.#open();
    const { state, serial } = this.#guard(() =>
      this.#db
        .transaction(() => {
          const world = this.#fresh();
          return { state: copyState(world.state), serial: this.#worldSerial };
        })
        .deferred(),
    );
    if (this.#digest?.serial !== serial) this.#digest = { serial, digest: stateDigest(state) };
    return { state, serial, digest: this.#digest.digest };
  }

  /** The serial as committed now, without loading the state. */
  async serial(): Promise<number> {
    this.#open();
    return this.#guard(() => readSerial(this.#stmt));
  }

  async fingerprintSecrets(values: string[]): Promise<string[]> {
    this.#open();
    return values.map((v) => this.#fingerprinter.fingerprint(v));
  }

  async execute(action: ActionBody, secrets: Partial<Record<SecretName, string>> = {}, journal?: JournalContext): Promise<ExecuteResult> {
    this.#open();
    const act = parseAction(action);
    const fingerprints = this.#fingerprints(secrets);
    if (journal) this.#journalPending(journal, act);

    type Outcome = { ok: true; effects: Effects; serial: number } | { ok: false; violations: Violation[] };
    let outcome: Outcome;
    try {
      outcome = this.#db
        .transaction((): Outcome => {
          const world = this.#fresh();
          const result = transition(world, act, fingerprints);
          const at = new Date().toISOString();
          if (!result.ok) {
            if (journal) this.#stmt.journalFinish.run({ ...keyOf(journal), status: 'failed', serial: null, at, error: violationMessage(result.violations) });
            return { ok: false, violations: result.violations };
          }
          writeEffects(this.#stmt, result.effects);
          const serial = this.#worldSerial + 1;
          this.#stmt.setMeta.run('serial', serial);
          if (journal) this.#stmt.journalFinish.run({ ...keyOf(journal), status: 'done', serial, at, error: null });
          return { ok: true, effects: result.effects, serial };
        })
        .immediate();
    } catch (error) {
      this.#forget();
      const wrapped = wrapSqlite(error, this.name, this.path);
      if (journal) this.#journalFailedBestEffort(journal, wrapped.message);
      throw wrapped;
    }
    if (!outcome.ok) {
      const first = outcome.violations[0]!;
      throw new TargetError(violationMessage(outcome.violations), {
        rule: first.rule,
        ...(first.hint ? { hint: first.hint } : {}),
        cause: outcome.violations,
      });
    }
    this.#commitToWorld(outcome.effects, outcome.serial);
    return { serial: outcome.serial, revoked: outcome.effects.revoked };
  }

  async journal(runId: string): Promise<JournalEntry[]> {
    this.#open();
    return (this.#guard(() => this.#stmt.journalOf.all(runId)) as JournalRow[]).map((r) => ({
      runId: r.run_id,
      actionId: r.action_id,
      op: r.op,
      linkName: r.link_name,
      status: r.status,
      serial: r.serial,
      at: r.at,
      ...(r.error !== null ? { error: r.error } : {}),
    }));
  }

  async acquireLock(request: LockRequest, options: { timeoutMs?: number } = {}): Promise<LockInfo & { tookOverFrom?: LockInfo }> {
    this.#open();
    const timeoutMs = Math.max(0, options.timeoutMs ?? 0);
    const started = Date.now();
    for (;;) {
      const attempt = this.#guard(() => this.#db
        .transaction((): { got: LockInfo & { tookOverFrom?: LockInfo } } | { held: LockInfo } => {
          const row = this.#stmt.getLock.get() as LockRow | undefined;
          const current = row ? lockInfo(row) : undefined;
          if (current && !holderIsDead(current)) return { held: current };
          if (current) this.#stmt.deleteLock.run(current.id);
          const info: LockInfo = { ...request, id: randomBytes(4).toString('hex'), startedAt: new Date().toISOString() };
          this.#stmt.insertLock.run({ id: info.id, holder: info.holder, host: info.host, pid: info.pid, operation: info.operation, started_at: info.startedAt });
          return { got: current ? { ...info, tookOverFrom: current } : info };
        })
        .immediate());
      if ('got' in attempt) return attempt.got;
      const waited = Date.now() - started;
      if (waited >= timeoutMs) throw new LockHeldError(attempt.held, this.name, timeoutMs > 0 ? waited : 0);
      // A real wait: the holder is another live process, and only time frees the lock.
      await new Promise((r) => setTimeout(r, Math.min(LOCK_POLL_MS, timeoutMs - waited)));
    }
  }

  async releaseLock(id: string): Promise<void> {
    this.#open();
    this.#guard(() => this.#stmt.deleteLock.run(id));
  }

  async forceUnlock(id: string): Promise<boolean> {
    this.#open();
    return this.#guard(() => this.#stmt.deleteLock.run(id).changes > 0);
  }

  /** The lock as it is held now, or null. */
  async currentLock(): Promise<LockInfo | null> {
    this.#open();
    const row = this.#guard(() => this.#stmt.getLock.get()) as LockRow | undefined;
    return row ? lockInfo(row) : null;
  }

  async exportSnapshot(): Promise<Snapshot> {
    this.#open();
    return this.#guard(() => this.#db.transaction(() => stateToSnapshot(this.#fresh().state)).deferred());
  }

  /**
   * Validates the whole snapshot (schema, format version, every rule of `checkState`), then
   * replaces the contents in one transaction and bumps the serial (never resets it: a plan made
   * before the import must be stale). Refuses to replace a non-empty target without `force`.
   * Journal and lock are kept: they are about runs, not contents.
   */
  async importSnapshot(snapshot: Snapshot | unknown, options: { force?: boolean } = {}): Promise<void> {
    this.#open();
    const { state } = validateSnapshot(snapshot);
    let serial: number;
    try {
      serial = this.#db
        .transaction(() => {
          const count = this.#stmt.countConnectors.get() as { n: number };
          const connections = this.#stmt.countConnections.get() as { n: number };
          if (!options.force && (count.n > 0 || connections.n > 0)) {
            throw new UserError(
              `target ${this.name} is not empty (${count.n} connector${count.n === 1 ? '' : 's'}, ${connections.n} connection${connections.n === 1 ? '' : 's'}); nothing was imported`,
              { hint: 'add --force to replace everything it holds with the snapshot' },
            );
          }
          this.#stmt.deleteAllConnections.run();
          this.#stmt.deleteAllConnectors.run();
          for (const c of state.connectors.values()) this.#stmt.upsertConnector.run(c.linkName, JSON.stringify(c));
          for (const c of state.connections.values()) this.#stmt.upsertConnection.run(c.linkName, c.connector, JSON.stringify(c));
          const next = readSerial(this.#stmt) + 1;
          this.#stmt.setMeta.run('serial', next);
          return next;
        })
        .immediate();
    } catch (error) {
      this.#forget();
      if (error instanceof UserError) throw error;
      throw wrapSqlite(error, this.name);
    }
    this.#world = new World(state);
    this.#worldSerial = serial;
  }

  /**
   * Stand-in for a person on Creator's consent screen: the connection becomes authorized by
   * `account`. Conservative (assumed, R11): refused for an unknown connection, an empty account,
   * a disabled connection, or a connection whose connector is disabled, since Creator would not
   * let anyone use either. Authorizing again with the same account changes nothing (no serial bump).
   */
  async authorize(connection: string, account: string): Promise<void> {
    this.#open();
    const who = account.trim();
    if (!who) throw new TargetError(`authorize connection '${connection}': the account cannot be empty`, { status: 400 });
    if (/[\u0000-\u001f\u007f]/.test(who) || who.length > 100) {
      throw new TargetError(`authorize connection '${connection}': an account is a name of at most 100 characters, without control characters`, { status: 400 });
    }
    let changed: { record: ConnectionRecord; serial: number } | null;
    try {
      changed = this.#db
        .transaction(() => {
          const world = this.#fresh();
          const current = world.connection(connection);
          if (!current) throw new TargetError(`connection '${connection}' does not exist`, { status: 404 });
          const connector = world.connector(current.connector);
          if (connector && !connector.enabled) {
            throw new TargetError(`R11: connection '${connection}' cannot be authorized while its connector '${connector.linkName}' is disabled`, {
              rule: 'R11',
              hint: `enable connector '${connector.linkName}' first`,
            });
          }
          if (!current.enabled) {
            throw new TargetError(`R11: connection '${connection}' is disabled: enable it before authorizing it`, { rule: 'R11' });
          }
          if (current.authorization.status === 'authorized' && current.authorization.account === who) return null;
          const record: ConnectionRecord = { ...current, authorization: { status: 'authorized', account: who } };
          this.#stmt.upsertConnection.run(record.linkName, record.connector, JSON.stringify(record));
          const serial = this.#worldSerial + 1;
          this.#stmt.setMeta.run('serial', serial);
          return { record, serial };
        })
        .immediate();
    } catch (error) {
      this.#forget();
      if (error instanceof TargetError) throw error;
      throw wrapSqlite(error, this.name);
    }
    if (changed) this.#commitToWorld({ upsertConnectors: [], deleteConnectors: [], upsertConnections: [changed.record], deleteConnections: [], revoked: [] }, changed.serial);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#world = null;
    this.#db.close();
  }

  // -------------------------------------------------------------------------------------------

  #open(): void {
    if (this.#closed) throw new TargetError(`target ${this.name} is closed`);
  }

  /** Runs `fn`; an SQLite failure (a malformed page, say) leaves as a clear error, never a stack trace. */
  #guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      this.#forget();
      throw wrapSqlite(error, this.name, this.path);
    }
  }

  /** The world as committed; call inside a transaction so that the serial and the rows agree. */
  #fresh(): World {
    this.#open();
    const serial = readSerial(this.#stmt);
    if (this.#world && this.#worldSerial === serial) return this.#world;
    this.#world = new World(loadState(this.#stmt, this.name, this.path));
    this.#worldSerial = serial;
    return this.#world;
  }

  /** After a commit: the same effects on the cached world, so it matches the file again. */
  #commitToWorld(effects: Effects, serial: number): void {
    if (!this.#world || this.#worldSerial !== serial - 1) return this.#forget();
    try {
      this.#world.apply(effects);
      this.#worldSerial = serial;
    } catch {
      this.#forget();
    }
  }

  /** Drops the cache; the next transaction reloads from the file. */
  #forget(): void {
    this.#world = null;
    this.#worldSerial = -1;
  }

  #fingerprints(secrets: Partial<Record<SecretName, string>>): SecretFingerprints {
    const out: SecretFingerprints = {};
    const known = new Set<string>(Object.values(SECRET_PARAMETERS).flat());
    for (const [name, value] of Object.entries(secrets)) {
      if (value === undefined) continue;
      if (!known.has(name)) throw new TargetError(`'${name}' is not a secret parameter (the secrets are ${[...known].join(', ')})`, { status: 400, rule: 'S1' });
      // The message names the parameter only: a malformed value might still be a secret (S2).
      if (typeof value !== 'string' || value === '') throw new TargetError(`the value given for ${name} is empty or not text`, { status: 400 });
      out[name as SecretName] = this.#fingerprinter.fingerprint(value);
    }
    return out;
  }

  #journalPending(journal: JournalContext, action: ActionBody): void {
    try {
      this.#db
        .transaction(() => {
          const existing = this.#stmt.journalGet.get(journal.runId, journal.actionId) as JournalRow | undefined;
          if (existing?.status === 'done') {
            throw new TargetError(`action ${journal.actionId} of run ${journal.runId} is already done (serial ${existing.serial}); it is not carried out twice`, {
              status: 409,
            });
          }
          this.#stmt.journalPending.run({ ...keyOf(journal), op: action.op, link_name: action.linkName, at: new Date().toISOString() });
        })
        .immediate();
    } catch (error) {
      if (error instanceof TargetError) throw error;
      throw wrapSqlite(error, this.name);
    }
  }

  #journalFailedBestEffort(journal: JournalContext, message: string): void {
    try {
      this.#stmt.journalFinish.run({ ...keyOf(journal), status: 'failed', serial: null, at: new Date().toISOString(), error: message });
    } catch {
      // The entry stays `pending`: the journal then says the action's outcome is unknown, which is true.
    }
  }
}

function prepare(db: Database.Database) {
  return {
    getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
    setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    allConnectors: db.prepare('SELECT link_name, body FROM connectors'),
    allConnections: db.prepare('SELECT link_name, body FROM connections'),
    countConnectors: db.prepare('SELECT count(*) AS n FROM connectors'),
    countConnections: db.prepare('SELECT count(*) AS n FROM connections'),
    upsertConnector: db.prepare('INSERT INTO connectors (link_name, body) VALUES (?, ?) ON CONFLICT (link_name) DO UPDATE SET body = excluded.body'),
    upsertConnection: db.prepare(
      'INSERT INTO connections (link_name, connector, body) VALUES (?, ?, ?) ON CONFLICT (link_name) DO UPDATE SET connector = excluded.connector, body = excluded.body',
    ),
    deleteConnector: db.prepare('DELETE FROM connectors WHERE link_name = ?'),
    deleteConnection: db.prepare('DELETE FROM connections WHERE link_name = ?'),
    deleteAllConnectors: db.prepare('DELETE FROM connectors'),
    deleteAllConnections: db.prepare('DELETE FROM connections'),
    journalGet: db.prepare('SELECT * FROM journal WHERE run_id = ? AND action_id = ?'),
    // Upsert keeps the rowid, so `ORDER BY rowid` is the order in which actions were first journaled.
    journalPending: db.prepare(
      `INSERT INTO journal (run_id, action_id, op, link_name, status, serial, at, error) VALUES (@run_id, @action_id, @op, @link_name, 'pending', NULL, @at, NULL)
       ON CONFLICT (run_id, action_id) DO UPDATE SET op = excluded.op, link_name = excluded.link_name, status = 'pending', serial = NULL, at = excluded.at, error = NULL`,
    ),
    journalFinish: db.prepare('UPDATE journal SET status = @status, serial = @serial, at = @at, error = @error WHERE run_id = @run_id AND action_id = @action_id'),
    journalOf: db.prepare('SELECT * FROM journal WHERE run_id = ? ORDER BY rowid'),
    getLock: db.prepare('SELECT * FROM locks WHERE slot = 1'),
    insertLock: db.prepare('INSERT INTO locks (slot, id, holder, host, pid, operation, started_at) VALUES (1, @id, @holder, @host, @pid, @operation, @started_at)'),
    deleteLock: db.prepare('DELETE FROM locks WHERE id = ?'),
  };
}

function readSerial(stmt: ReturnType<typeof prepare>): number {
  return Number(stmt.getMeta.get('serial'));
}

function loadState(stmt: ReturnType<typeof prepare>, name: string, path: string): State {
  const state: State = { connectors: new Map(), connections: new Map() };
  for (const row of stmt.allConnectors.all() as { link_name: unknown; body: unknown }[]) {
    const c = parseRow(row, 'connectors', name, path);
    if (!isConnectorRecord(c)) throw damaged(name, path, `the connectors row ${describeRow(row)} is not a connector this connectorops wrote`);
    state.connectors.set(c.linkName, c);
  }
  for (const row of stmt.allConnections.all() as { link_name: unknown; body: unknown }[]) {
    const c = parseRow(row, 'connections', name, path);
    if (!isConnectionRecord(c)) throw damaged(name, path, `the connections row ${describeRow(row)} is not a connection this connectorops wrote`);
    state.connections.set(c.linkName, c);
  }
  return state;
}

function parseRow(row: { link_name: unknown; body: unknown }, table: string, name: string, path: string): { linkName?: unknown } {
  let value: unknown;
  try {
    value = JSON.parse(String(row.body));
  } catch {
    throw damaged(name, path, `the ${table} row ${describeRow(row)} does not hold JSON`);
  }
  if (value === null || typeof value !== 'object' || (value as { linkName?: unknown }).linkName !== row.link_name) {
    throw damaged(name, path, `the ${table} row ${describeRow(row)} does not hold a record of that name`);
  }
  return value as { linkName?: unknown };
}

/** A row's link name for a message: escaped, and short (the file may be anyone's). */
function describeRow(row: { link_name: unknown }): string {
  const text = typeof row.link_name === 'string' ? row.link_name : String(row.link_name);
  return quoteTerminal(text.length > 80 ? `${text.slice(0, 79)}…` : text);
}

/*
 * The fields the rules read, checked on every row as it is loaded: a record that lacks one would
 * crash deep inside rules/ instead of saying that the file is damaged. Not a zod schema on purpose:
 * loading 100k rows is on the path of every plan, and these checks cost next to nothing.
 */
const AUTH_TYPES = new Set(Object.keys(SECRET_PARAMETERS));

function isConnectorRecord(c: unknown): c is ConnectorRecord {
  const r = c as Partial<ConnectorRecord>;
  return (
    typeof r.name === 'string' &&
    typeof r.description === 'string' &&
    (r.stage === 'draft' || r.stage === 'ready') &&
    typeof r.enabled === 'boolean' &&
    r.authentication !== null &&
    typeof r.authentication === 'object' &&
    AUTH_TYPES.has(r.authentication.type) &&
    r.secretFingerprints !== null &&
    typeof r.secretFingerprints === 'object'
  );
}

function isConnectionRecord(c: unknown): c is ConnectionRecord {
  const r = c as Partial<ConnectionRecord>;
  const auth = r.authorization;
  return (
    typeof r.name === 'string' &&
    typeof r.connector === 'string' &&
    typeof r.enabled === 'boolean' &&
    Array.isArray(r.scopes) &&
    r.scopes.every((s) => typeof s === 'string') &&
    Array.isArray(r.usages) &&
    auth !== null &&
    typeof auth === 'object' &&
    (auth.status === 'unauthorized' || (auth.status === 'authorized' && typeof auth.account === 'string'))
  );
}

function writeEffects(stmt: ReturnType<typeof prepare>, effects: Effects): void {
  // Same order as World.apply, so the file and the cache agree.
  for (const name of effects.deleteConnections) stmt.deleteConnection.run(name);
  for (const name of effects.deleteConnectors) stmt.deleteConnector.run(name);
  for (const c of effects.upsertConnectors) stmt.upsertConnector.run(c.linkName, JSON.stringify(c));
  for (const c of effects.upsertConnections) stmt.upsertConnection.run(c.linkName, c.connector, JSON.stringify(c));
}

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
    const out = new Array(value.length);
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

function keyOf(journal: JournalContext): { run_id: string; action_id: string } {
  return { run_id: journal.runId, action_id: journal.actionId };
}

/** `R9: delete connection 'crm_sales' before deleting connector 'crm'`; several joined by `; `. */
function violationMessage(violations: Violation[]): string {
  return violations.map(formatViolation).join('; ');
}

function lockInfo(row: LockRow): LockInfo {
  return { id: row.id, holder: row.holder, host: row.host, pid: row.pid, operation: row.operation, startedAt: row.started_at };
}

/**
 * Only a holder on this machine can be proven dead (signal 0 → ESRCH). A holder elsewhere, or one
 * we may not signal (EPERM: alive, another user), counts as alive.
 */
function holderIsDead(lock: LockInfo): boolean {
  if (lock.host !== hostname()) return false;
  if (lock.pid === process.pid) return false;
  try {
    process.kill(lock.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function wrapSqlite(error: unknown, name: string, path?: string): Error {
  if (error instanceof TargetError || error instanceof UserError) return error;
  const code = (error as { code?: string } | null)?.code;
  const message = (error as Error | null)?.message ?? String(error);
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') return damaged(name, path ?? name, 'SQLite reports that the file is malformed');
  if (code === 'SQLITE_BUSY') {
    return new TargetError(`target ${name} is busy: another process kept it locked for more than ${BUSY_TIMEOUT_MS / 1000}s`, {
      status: 503,
      hint: 'try again when the other connectorops process has finished',
      cause: error,
    });
  }
  if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN') {
    return new TargetError(`target ${name} cannot be written: ${message}`, { cause: error });
  }
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    return new TargetError(`target ${name}: ${message} (${code})`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}
