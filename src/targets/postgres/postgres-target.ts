/**
 * The PostgreSQL target (`postgres://USER@HOST:PORT/DB?schema=NAME`): the target engine
 * (engine/engine.ts) over one schema of a PostgreSQL database. This file is the PostgreSQL
 * adapter: connecting, creating and upgrading the schema, the store operations, and the lock.
 *
 * Why it is shaped like this (docs/targets.md, "The PostgreSQL target", has the long form):
 * - Reads are one REPEATABLE READ, READ ONLY transaction: one consistent snapshot.
 * - Writes take a transaction-level advisory lock of the target first, so that writers of one
 *   target go one at a time (as SQLite's BEGIN IMMEDIATE does) and each sees every commit
 *   before it. A serialization failure or a deadlock, and a connection lost before COMMIT was
 *   sent (the server rolls such a transaction back), are retried here, never surfaced.
 * - The apply lock is a session-level advisory lock on a connection of its own, held for the
 *   whole apply: it dies with its connection, so a dead holder is told from a live one by the
 *   server itself. The holder's details sit in `locks`, for the message a second apply prints.
 * - A read-only command never creates anything: a missing schema is "does not exist yet".
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import pRetry from 'p-retry';
import { TargetError, UserError } from '../../errors.js';
import type { ConnectionRecord, ConnectorRecord, ReadonlyState, State } from '../../model/types.js';
import type { Effects } from '../../rules/index.js';
import { TargetEngine } from '../engine/engine.js';
import { newFingerprintKey } from '../engine/secrets.js';
import { canonicalJson } from '../../model/canonical.js';
import { canonicalConnectionJson, canonicalConnectorJson, connectorOfStoredText } from '../snapshot.js';
import {
  journalEntryOf,
  rolloutEventOf,
  storedLockOf,
  type ActionCommit,
  type CommitAnswer,
  type JournalOutcome,
  type JournalRow,
  type RolloutEventRow,
  type LockClaim,
  type LockRow,
  type StoredLock,
  type StoreReader,
  type StoreWriter,
  type TargetStore,
} from '../engine/store.js';
import type { JournalContext, JournalEntry, RolloutEvent, StoredRollout, TargetMode } from '../target.js';
import { CANONICAL_ROWS_VERSION, POSTGRES_SCHEMA_VERSION, quoteIdent, STEPS } from './schema.js';
import { parsePostgresUrl, type PostgresLocation } from './url.js';
import { targetIdentity } from '../../util/target-identity.js';

export { POSTGRES_SCHEMA_VERSION } from './schema.js';

const CONNECT_TIMEOUT_MS = 10_000;
/** Rows per statement when a whole account is written (import): few round trips, bounded statements. */
const ROWS_PER_INSERT = 5_000;
/** Bodies per JSON array when a whole table is read (loadState): few texts and round trips, none of them huge. */
const BODIES_PER_TEXT = 2_000;
/**
 * `SET LOCAL jit = off`, where the server has JIT (PostgreSQL 11 on; `current_setting(…, true)` is
 * null where it has not, and `set_config` is then not called). A whole table's pages (PgTx.#pages)
 * are estimated above `jit_above_cost` (100,000) on a table without statistics (a target just
 * imported, before autovacuum's ANALYZE: ~600,000 for 100k connections) or on a big one, and the
 * server then compiled the query first: ~180 ms of its CPU, and of the client's wait for the
 * first page, on a 100k cold read (measured, EXPLAIN ANALYZE), where the work is in the index
 * scans and `string_agg`, which JIT does not make faster. No statement of a target needs JIT.
 */
const NO_JIT = "SELECT set_config('jit', 'off', true) WHERE current_setting('jit', true) IS NOT NULL";
/** Serialization failures, deadlocks, and a server that went away before COMMIT: tried again. */
const RETRIES = { retries: 6, minTimeout: 100, maxTimeout: 2_000, factor: 2, randomize: true } as const;

export interface PostgresTargetOptions {
  /** How the user named the target, for messages (a password in it is never shown). */
  name?: string;
  /** Where PGPASSWORD, PGUSER and PGSSLMODE are read from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Create the schema now if it is missing (`target init`); otherwise the first write does. */
  create?: boolean;
}

/** A target in one schema of a PostgreSQL database. Open it with `PostgresTarget.open(url)`. */
export class PostgresTarget extends TargetEngine {
  readonly schema: string;

  private constructor(name: string, schema: string, store: PgStore) {
    super(name, store);
    this.schema = schema;
  }

  /**
   * Connects and checks the schema: a schema written by a newer connectorops is refused, an older
   * one upgraded (one transaction), a missing one left missing until the first write (or created
   * now with `create`). Connection and login problems are errors for people.
   */
  static async open(url: string, options: PostgresTargetOptions = {}): Promise<PostgresTarget> {
    const name = targetIdentity(options.name ?? url);
    const location = parsePostgresUrl(url, name, options.env ?? process.env);
    const store = await PgStore.open(location, name, options.create ?? false);
    return new PostgresTarget(name, location.schema, store);
  }
}

/** A transaction attempt's connection, and whether COMMIT went out (after which a lost answer is not retried). */
interface Attempt {
  commitSent: boolean;
}

class PgStore implements TargetStore {
  fingerprintKey: Buffer | null = null;
  readonly #pool: pg.Pool;
  readonly #config: pg.ClientConfig;
  readonly #database: string;
  readonly #schemaName: string;
  /** The schema, quoted for SQL. */
  readonly #s: string;
  readonly #name: string;
  /** `HOST:PORT` and the sslmode asked for: what a TLS refusal names. */
  readonly #server: string;
  readonly #sslmode: string | null;
  /** The session advisory lock of the apply lock, and the transaction one that orders writers. */
  readonly #lockKey: bigint;
  readonly #writeKey: bigint;
  /** BEGIN, then wait for the writers' lock (the key is a number we made: safe as a literal). */
  readonly #beginWrite: string;
  /** The call of the schema's commit_action (commitAction), prepared once per connection. */
  readonly #commitCall: string;

  private constructor(location: PostgresLocation, name: string) {
    this.#config = { ...location.config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true, application_name: 'connectorops' };
    this.#pool = new pg.Pool({ ...this.#config, max: 2 });
    // An idle connection that breaks (the server restarted) is dropped by the pool and the next
    // query opens a new one; without a listener the event would end the process.
    this.#pool.on('error', () => {});
    this.#database = location.config.database ?? '';
    this.#schemaName = location.schema;
    this.#s = quoteIdent(location.schema);
    this.#name = name;
    this.#server = `${location.config.host ?? 'localhost'}:${location.config.port ?? 5432}`;
    this.#sslmode = location.sslmode;
    this.#lockKey = advisoryKey(this.#database, location.schema, 'apply lock');
    this.#writeKey = advisoryKey(this.#database, location.schema, 'writers');
    this.#beginWrite = `BEGIN; SELECT pg_advisory_xact_lock(${this.#writeKey})`;
    const types = ['bigint', 'text', 'boolean', 'text[]', 'text[]', 'text[]', 'text[]', ...Array<string>(5).fill('text'), 'bigint', ...Array<string>(4).fill('text')];
    this.#commitCall = `SELECT ${this.#s}.commit_action(${types.map((type, i) => `$${i + 1}::${type}`).join(', ')})`;
  }

  static async open(location: PostgresLocation, name: string, create: boolean): Promise<PgStore> {
    const store = new PgStore(location, name);
    try {
      await store.#inspect(create);
      return store;
    } catch (error) {
      await store.#pool.end().catch(() => {});
      throw store.describeError(error);
    }
  }

  async requireKey(create: boolean): Promise<Buffer> {
    if (!this.fingerprintKey) await this.#inspect(create);
    if (this.fingerprintKey) return this.fingerprintKey;
    throw new UserError(`target ${this.#name} does not exist yet (database ${this.#database} has no connectorops schema '${this.#schemaName}')`, {
      hint: 'apply, target import or target init create it on first use; or check the database and ?schema= in the URL',
    });
  }

  reading<T>(fn: (tx: StoreReader) => Promise<T>): Promise<T> {
    return this.#retrying(async (attempt) => {
      await this.requireKey(false);
      return this.#transaction('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY', attempt, fn);
    });
  }

  writing<T>(fn: (tx: StoreWriter) => Promise<T>, options: { create?: boolean } = {}): Promise<T> {
    return this.#retrying(async (attempt) => {
      await this.requireKey(options.create ?? false);
      return this.#transaction(this.#beginWrite, attempt, fn);
    });
  }

  async claimLock(): Promise<LockClaim | null> {
    await this.requireKey(true);
    const client = new pg.Client(this.#config);
    let lost = false;
    client.on('error', () => {
      lost = true;
    });
    client.on('end', () => {
      lost = true;
    });
    await client.connect();
    try {
      const { rows } = await client.query<{ got: boolean; pid: number }>('SELECT pg_try_advisory_lock($1) AS got, pg_backend_pid() AS pid', [String(this.#lockKey)]);
      if (!rows[0]?.got) {
        await client.end();
        return null;
      }
      const key = String(this.#lockKey);
      return {
        session: String(rows[0].pid),
        lost: () => lost,
        release: async () => {
          try {
            if (!lost) await client.query('SELECT pg_advisory_unlock($1)', [key]);
          } finally {
            await client.end();
          }
        },
      };
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
  }

  /** Holding the advisory lock proves that the recorded holder's session is gone: it would hold it otherwise. */
  holderIsDead(_lock: StoredLock, claimed: boolean): boolean {
    return claimed;
  }

  /**
   * `unlock` of a lock whose holder may live: ends the session that holds the advisory lock (it
   * must still be that lock's holder), which needs the holder's role or pg_signal_backend.
   */
  async endSession(session: string): Promise<void> {
    const pid = Number(session);
    const { classid, objid } = advisoryLockIds(this.#lockKey);
    try {
      await this.#pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND pid = $1 AND objsubid = 1 AND classid = $2::bigint::oid AND objid = $3::bigint::oid
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [pid, classid, objid],
      );
    } catch (error) {
      if ((error as { code?: string }).code !== '42501') throw error;
      throw new TargetError(`target ${this.#name}: the lock's holder row was removed, but its session (backend pid ${pid}) may not be ended by this role`, {
        hint: `a role with pg_signal_backend can end it: SELECT pg_terminate_backend(${pid})`,
      });
    }
  }

  /**
   * A journaled action in one round trip: one call of the schema's `commit_action` (schema.ts,
   * steps 5 and 7), a prepared statement with every value a parameter, which is one implicit transaction:
   * the writers' lock, then the writes only if the serial is still `atSerial` and the entry is not
   * done. The answer is lost with the connection only after it was sent: that is "unknown", never retried.
   */
  async commitAction(commit: ActionCommit): Promise<CommitAnswer> {
    return this.#retrying(async (attempt) => {
      await this.requireKey(false);
      const client = await this.#pool.connect();
      let broken: Error | undefined;
      const onError = (error: Error) => (broken = error);
      client.on('error', onError);
      try {
        attempt.commitSent = true;
        const { rows } = await client.query<[CommitRow]>({
          name: 'commit_action',
          text: this.#commitCall,
          values: commitValues(this.#writeKey, commit),
          rowMode: 'array',
        });
        const answer = rows[0]![0];
        if (answer.ok) return { committed: true };
        return { committed: false, serial: Number(answer.serial), entry: answer.entry ? journalEntryOf(answer.entry) : null };
      } catch (error) {
        if (isConnectionError(error)) broken = error as Error;
        throw error;
      } finally {
        client.removeListener('error', onError);
        client.release(broken);
      }
    });
  }

  describeError(error: unknown): Error {
    if (error instanceof TargetError || error instanceof UserError) return error;
    const code = (error as { code?: unknown } | null)?.code;
    const message = (error as Error | null)?.message || String(error);
    if (/does not support SSL/i.test(message)) {
      return new UserError(
        `target ${this.#name}: the server ${this.#server} does not accept TLS connections, and the URL asks for sslmode=${this.#sslmode ?? 'require'}`,
        {
          hint: 'enable ssl on the server, or use sslmode=prefer (TLS when the server offers it) or sslmode=disable in the URL (or PGSSLMODE)',
        },
      );
    }
    if (isConnectionError(error)) {
      return new TargetError(`cannot reach target ${this.#name}: ${message}`, {
        status: 503,
        hint: 'check that the PostgreSQL server is up, and the host and port in the URL',
        cause: plainCause(error),
      });
    }
    if (code === '28P01' || code === '28000') {
      return new UserError(`target ${this.#name}: the server refused the login: ${message}`, {
        hint: 'give the password in PGPASSWORD (or the URL), and a user the server accepts from this host',
      });
    }
    if (code === '3D000') return new UserError(`target ${this.#name}: ${message}`, { hint: 'create the database, or fix its name in the URL' });
    if (code === '42501') {
      return new UserError(`target ${this.#name}: permission denied: ${message}`, {
        hint: `the role needs CREATE on the database (or a schema created for it: CREATE SCHEMA ${this.#schemaName} AUTHORIZATION <role>)`,
      });
    }
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      return new TargetError(`target ${this.#name}: ${message} (SQLSTATE ${code})`, { cause: plainCause(error) });
    }
    return error instanceof Error ? error : new Error(String(error));
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  // -------------------------------------------------------------------------------------------

  /**
   * A transaction of store operations. The serial is read with BEGIN, in the same round trip (every
   * transaction needs it), and JIT compilation is turned off for the transaction (NO_JIT).
   */
  async #transaction<T>(begin: string, attempt: Attempt, fn: (tx: PgTx) => Promise<T>): Promise<T> {
    return this.#inTransaction(`${begin}; ${NO_JIT}; SELECT value FROM ${this.#s}.meta WHERE key = 'serial'`, attempt, (client, results) => {
      const serial = Number((results.at(-1)?.rows[0] as { value: string } | undefined)?.value);
      return fn(new PgTx(client, this.#s, serial));
    });
  }

  /** BEGIN (`begin`), `fn`, COMMIT on one pooled connection; ROLLBACK on failure, a broken connection dropped. */
  async #inTransaction<T>(begin: string, attempt: Attempt, fn: (client: pg.PoolClient, results: pg.QueryResult[]) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    // The pool listens for errors of idle connections only: a checked-out one that breaks between
    // two queries (the server restarting) would otherwise end the process. The next query fails.
    const onError = (error: Error) => (broken = error);
    client.on('error', onError);
    try {
      // Several statements in one simple query (no parameters): pg answers with one result each.
      const began = (await client.query(begin)) as pg.QueryResult | pg.QueryResult[];
      const result = await fn(client, Array.isArray(began) ? began : [began]);
      attempt.commitSent = true;
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (isConnectionError(error)) broken = error as Error;
      else await client.query('ROLLBACK').catch((e: unknown) => (broken = e as Error));
      throw error;
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  #retrying<T>(run: (attempt: Attempt) => Promise<T>): Promise<T> {
    return pRetry(
      async () => {
        const attempt: Attempt = { commitSent: false };
        try {
          return await run(attempt);
        } catch (error) {
          if (attempt.commitSent && isConnectionError(error)) {
            throw new TargetError(
              `target ${this.#name}: the connection was lost while committing; whether the change was made is unknown (${(error as Error).message})`,
              {
                status: 503,
                hint: 'run apply again: its journal tells whether the action was carried out',
                cause: plainCause(error),
              },
            );
          }
          throw error;
        }
      },
      { ...RETRIES, shouldRetry: ({ error }) => isRetryable(error) },
    );
  }

  /**
   * Reads the schema's version and the fingerprint key. A missing schema is created with `create`;
   * an older one is upgraded; a newer one refused. Creation and upgrade are one transaction each,
   * under the writers' lock, so that two processes doing it at once do it once.
   */
  async #inspect(create: boolean): Promise<void> {
    const current = await this.#currentKey();
    if (current) {
      this.fingerprintKey = current;
      return;
    }
    const found = await this.#version(this.#pool);
    if (found !== null && found > POSTGRES_SCHEMA_VERSION) throw this.#newer(found);
    if (found === null && !create) return;
    if (found === null || found < POSTGRES_SCHEMA_VERSION) await this.#upgrade();
    const { rows } = await this.#pool.query<{ value: string }>(`SELECT value FROM ${this.#s}.meta WHERE key = 'fingerprint_key'`);
    if (!rows[0]) throw new TargetError(`target ${this.#name}: schema '${this.#schemaName}' has no fingerprint key; it is damaged`);
    this.fingerprintKey = Buffer.from(rows[0].value, 'base64');
  }

  /**
   * The fingerprint key of a schema at this version, read with its version in one round trip (every
   * command opens its target: three round trips before, one now); null when the schema, its tables
   * or its key are not there, its version is another, or the query failed: #inspect's careful path
   * then says what, in the words it always used.
   */
  async #currentKey(): Promise<Buffer | null> {
    let results: pg.QueryResult[];
    try {
      // Two statements in one simple query: one result each.
      results = (await this.#pool.query(
        `SELECT version FROM ${this.#s}.schema_version; SELECT value FROM ${this.#s}.meta WHERE key = 'fingerprint_key'`,
      )) as unknown as pg.QueryResult[];
    } catch (error) {
      // A server that cannot be reached fails the careful path alike (once is enough); anything
      // else (no such table yet, someone else's schema, a permission) is the careful path's to say.
      if (isConnectionError(error)) throw error;
      return null;
    }
    const version = (results[0]?.rows[0] as { version?: unknown } | undefined)?.version;
    const key = (results[1]?.rows[0] as { value?: unknown } | undefined)?.value;
    return version === POSTGRES_SCHEMA_VERSION && typeof key === 'string' ? Buffer.from(key, 'base64') : null;
  }

  /** The schema's version; null when the schema or its tables are not there yet. Refuses someone else's schema. */
  async #version(db: pg.Pool | pg.PoolClient): Promise<number | null> {
    const { rows } = await db.query<{ has_schema: boolean; has_version: boolean; tables: string }>(
      `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS has_schema,
              to_regclass($2) IS NOT NULL AS has_version,
              (SELECT count(*) FROM pg_tables WHERE schemaname = $1) AS tables`,
      [this.#schemaName, `${this.#s}.schema_version`],
    );
    const row = rows[0]!;
    if (!row.has_version) {
      if (Number(row.tables) > 0) {
        throw new UserError(`target ${this.#name}: schema '${this.#schemaName}' holds tables that are not a connectorops target; it was left untouched`, {
          hint: 'name another schema with ?schema= in the URL',
        });
      }
      return null;
    }
    const v = await db.query<{ version: number }>(`SELECT version FROM ${this.#s}.schema_version`);
    return v.rows[0]?.version ?? 0;
  }

  async #upgrade(): Promise<void> {
    await this.#inTransaction(this.#beginWrite, { commitSent: false }, async (client) => {
      const has = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.#schemaName]);
      // Only when missing: CREATE SCHEMA IF NOT EXISTS wants CREATE on the database even when the schema is there.
      if (has.rowCount === 0) await client.query(`CREATE SCHEMA ${this.#s}`);
      const from = (await this.#version(client)) ?? 0;
      if (from > POSTGRES_SCHEMA_VERSION) throw this.#newer(from);
      for (let v = from; v < POSTGRES_SCHEMA_VERSION; v++) await client.query(STEPS[v]!(this.#s));
      if (from < CANONICAL_ROWS_VERSION) await canonicalizeRows(client, this.#s);
      await client.query(`UPDATE ${this.#s}.schema_version SET version = $1`, [POSTGRES_SCHEMA_VERSION]);
      await client.query(`INSERT INTO ${this.#s}.meta (key, value) VALUES ('serial', '0'), ('fingerprint_key', $1) ON CONFLICT (key) DO NOTHING`, [newFingerprintKey()]);
    });
  }

  #newer(found: number): UserError {
    return new UserError(
      `target ${this.#name} was written by a newer connectorops (PostgreSQL schema version ${found}; this one reads ${POSTGRES_SCHEMA_VERSION}); nothing was changed`,
      { hint: 'upgrade connectorops' },
    );
  }
}

/** BODIES_PER_TEXT bodies (fewer on a table's last page) joined into one JSON array's text by the server. */
interface Page {
  text: string;
  count: number;
}

/** A page's bodies as they are stored, joined by `,`: the JSON array's text without its brackets. */
function joinedBodies(page: Page): string {
  return page.text.slice(1, -1);
}

/** A page as the server answers: its table's index in the query, the joined text and how many rows it joined. */
type PageRow = [number, string, number];

type Table = 'connectors' | 'connections';

interface RolloutRow {
  id: string;
  document: string;
  open: boolean;
}

/** The store operations of one transaction, on one connection. Whole tables are read in one query each. */
class PgTx implements StoreWriter {
  readonly #c: pg.PoolClient;
  readonly #s: string;
  /** The serial as this transaction sees it: read with BEGIN, then as this transaction set it. */
  #serial: number;

  constructor(client: pg.PoolClient, schema: string, serial: number) {
    this.#c = client;
    this.#s = schema;
    this.#serial = serial;
  }

  async serial(): Promise<number> {
    if (!Number.isSafeInteger(this.#serial)) throw new TargetError('the target has no serial; its meta table is damaged');
    return this.#serial;
  }

  async loadState(): Promise<State> {
    return (await this.loadStateAgain()).state;
  }

  /**
   * The state, and the same state made again from the bodies' text kept in memory (the engine's
   * world, made when a transaction needs it): a cold read hands its caller the state it parsed,
   * with no deep copy of 100k records (a copy cost more than the parse, measured).
   */
  async loadStateAgain(): Promise<{ state: State; again: () => State; connectionTexts: readonly string[]; connectorTexts: readonly string[] }> {
    const state: State = { connectors: new Map(), connections: new Map() };
    // Both tables in one query: the server starts on the connections while the last connectors'
    // pages are parsed here, and no round trip between them.
    const [connectors, connections] = await this.#pages(['connectors', 'connections'], (table, page) => {
      if (table === 'connectors') for (const c of this.#connectors(page)) state.connectors.set(c.linkName, c);
      else for (const c of this.#bodies<ConnectionRecord>('connections', page)) state.connections.set(c.linkName, c);
    });
    const again = (): State => {
      const made: State = { connectors: new Map(), connections: new Map() };
      for (const page of connectors!) for (const c of this.#connectors(page)) made.connectors.set(c.linkName, c);
      for (const page of connections!) for (const c of this.#bodies<ConnectionRecord>('connections', page)) made.connections.set(c.linkName, c);
      return made;
    };
    return { state, again, connectionTexts: connections!.map(joinedBodies), connectorTexts: connectors!.map(joinedBodies) };
  }

  /** The connectors rows' text in link-name order (store.ts): canonical since schema 6, the digest's other part. */
  async connectorTexts(): Promise<readonly string[]> {
    return (await this.#pages(['connectors'], () => {}))[0]!.map(joinedBodies);
  }

  /**
   * A page's connectors: a row holds `canonicalConnectorJson` of its record since schema 6 (the
   * snapshot's form, which the digest hashes as it is); the record's own form reads alike. A body
   * that is no connector at all is kept as it is, for the engine's check to name.
   */
  #connectors(page: Page): ConnectorRecord[] {
    return this.#bodies<object>('connectors', page).map((c) => connectorOfStoredText(c) as ConnectorRecord);
  }

  /** The connections rows' text in link-name order (store.ts): canonical since schema 6, its digest. */
  async connectionTexts(): Promise<readonly string[]> {
    return (await this.#pages(['connections'], () => {}))[0]!.map(joinedBodies);
  }

  /**
   * Every body of each table, in pages of BODIES_PER_TEXT rows in link_name order, each joined by
   * the server into one JSON array (one text and one `JSON.parse` per page: a row object and a
   * parse per row cost twice the CPU at 100k rows), in one query (a statement per table, in
   * `tables`' order) whose pages stream: each is the BODIES_PER_TEXT rows from a page's first link
   * name on (every BODIES_PER_TEXT-th row of the primary key's index), read by that index as the
   * page is sent, so that `each` parses a page while the server reads the next. (Joining a whole
   * table at once, a window and a hash aggregate over every row, answered nothing until all of it
   * was done; a query per page cost a round trip each.) The pages are returned, a list per table,
   * kept for `again`.
   */
  async #pages<T extends Table>(tables: readonly T[], each: (table: T, page: Page) => void): Promise<Page[][]> {
    // Each row names its table by its index in `tables`: rows come statement after statement.
    const text = tables
      .map((table, i) => {
        const t = `${this.#s}.${table}`;
        return `SELECT ${i}, p.text, p.count
      FROM (SELECT link_name, row_number() OVER (ORDER BY link_name) AS n FROM ${t}) b,
        LATERAL (SELECT '[' || string_agg(r.body, ',') || ']' AS text, count(*)::integer AS count
                   FROM (SELECT body FROM ${t} r WHERE r.link_name >= b.link_name ORDER BY r.link_name LIMIT ${BODIES_PER_TEXT}) r) p
      WHERE b.n % ${BODIES_PER_TEXT} = 1 ORDER BY b.link_name`;
      })
      .join('; ');
    const pages: Page[][] = tables.map(() => []);
    await new Promise<void>((resolve, reject) => {
      // A failure of `each` (a damaged body) is kept for the end of the query: thrown from a row
      // event, it would be thrown inside the driver's socket handler. The rows after it are not looked at.
      let failed: Error | null = null;
      const config: pg.QueryArrayConfig = { text, rowMode: 'array' };
      const query = new pg.Query<PageRow>(config);
      query.on('row', ([i, text, count]: PageRow) => {
        if (failed !== null) return;
        try {
          const page = { text, count };
          pages[i]!.push(page);
          each(tables[i]!, page);
        } catch (error) {
          failed = error instanceof Error ? error : new Error(String(error));
        }
      });
      query.on('error', reject);
      query.on('end', () => (failed === null ? resolve() : reject(failed)));
      this.#c.query(query);
    });
    return pages;
  }

  /**
   * The records of one page. The bodies are joined as text, so a body damaged by hand could run
   * into its neighbour: the array must hold as many objects as the page joined rows.
   */
  #bodies<T>(table: 'connectors' | 'connections', { text, count }: Page): T[] {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    if (!Array.isArray(parsed) || parsed.length !== count || !parsed.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r))) {
      throw new TargetError(`schema ${this.#s}: the table ${table} holds a body that is not a JSON object; the target is damaged`);
    }
    return parsed as T[];
  }

  async counts(): Promise<{ connectors: number; connections: number }> {
    const { rows } = await this.#c.query<{ connectors: string; connections: string }>(
      `SELECT (SELECT count(*) FROM ${this.#s}.connectors) AS connectors, (SELECT count(*) FROM ${this.#s}.connections) AS connections`,
    );
    return { connectors: Number(rows[0]!.connectors), connections: Number(rows[0]!.connections) };
  }

  async journalEntry(key: JournalContext): Promise<JournalEntry | null> {
    const { rows } = await this.#c.query<JournalRow>(`SELECT * FROM ${this.#s}.journal WHERE run_id = $1 AND action_id = $2`, [key.runId, key.actionId]);
    return rows[0] ? journalEntryOf(rows[0]) : null;
  }

  async journal(runId: string): Promise<JournalEntry[]> {
    const { rows } = await this.#c.query<JournalRow>(`SELECT * FROM ${this.#s}.journal WHERE run_id = $1 ORDER BY seq`, [runId]);
    return rows.map(journalEntryOf);
  }

  async lock(): Promise<StoredLock | null> {
    const { rows } = await this.#c.query<LockRow>(`SELECT * FROM ${this.#s}.locks WHERE slot = 1`);
    return rows[0] ? storedLockOf(rows[0]) : null;
  }

  async setSerial(serial: number): Promise<void> {
    await this.#c.query(`UPDATE ${this.#s}.meta SET value = $1 WHERE key = 'serial'`, [String(serial)]);
    this.#serial = serial;
  }

  async writeEffects(effects: Effects): Promise<void> {
    // Same order as World.apply, so the rows and the cache agree.
    if (effects.deleteConnections.length) await this.#c.query(`DELETE FROM ${this.#s}.connections WHERE link_name = ANY($1)`, [effects.deleteConnections]);
    if (effects.deleteConnectors.length) await this.#c.query(`DELETE FROM ${this.#s}.connectors WHERE link_name = ANY($1)`, [effects.deleteConnectors]);
    await this.#upsertConnectors(effects.upsertConnectors);
    await this.#upsertConnections(effects.upsertConnections);
  }

  async replaceContents(state: ReadonlyState): Promise<void> {
    await this.#c.query(`DELETE FROM ${this.#s}.connections; DELETE FROM ${this.#s}.connectors`);
    const connectors = [...state.connectors.values()];
    const connections = [...state.connections.values()];
    for (let i = 0; i < connectors.length; i += ROWS_PER_INSERT) await this.#upsertConnectors(connectors.slice(i, i + ROWS_PER_INSERT));
    for (let i = 0; i < connections.length; i += ROWS_PER_INSERT) await this.#upsertConnections(connections.slice(i, i + ROWS_PER_INSERT));
  }

  async journalRecord(key: JournalContext, op: string, linkName: string, outcome: JournalOutcome): Promise<void> {
    const { text, values } = journalUpsert(this.#s, { key, op, linkName, outcome });
    await this.#c.query(text, values);
  }

  async insertLock({ info, session }: StoredLock): Promise<void> {
    await this.#c.query(`INSERT INTO ${this.#s}.locks (slot, id, holder, host, pid, operation, started_at, session) VALUES (1, $1, $2, $3, $4, $5, $6, $7)`, [
      info.id,
      info.holder,
      info.host,
      info.pid,
      info.operation,
      info.startedAt,
      session,
    ]);
  }

  async deleteLock(id: string): Promise<StoredLock | null> {
    const { rows } = await this.#c.query<LockRow>(`DELETE FROM ${this.#s}.locks WHERE id = $1 RETURNING *`, [id]);
    return rows[0] ? storedLockOf(rows[0]) : null;
  }

  async targetInfo(): Promise<{ mode: TargetMode; account: string | null } | null> {
    const { rows } = await this.#c.query<{ key: string; value: string }>(`SELECT key, value FROM ${this.#s}.meta WHERE key IN ('mode', 'account')`);
    const mode = rows.find((r) => r.key === 'mode')?.value as TargetMode | undefined;
    if (mode === undefined) return null;
    return { mode, account: rows.find((r) => r.key === 'account')?.value ?? null };
  }

  async setTargetInfo(mode: TargetMode, account: string | null): Promise<void> {
    const upsert = `INSERT INTO ${this.#s}.meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`;
    await this.#c.query(upsert, ['mode', mode]);
    if (account !== null) await this.#c.query(upsert, ['account', account]);
  }

  async openRollout(): Promise<StoredRollout | null> {
    const { rows } = await this.#c.query<RolloutRow>(`SELECT id, document, open FROM ${this.#s}.rollouts WHERE open`);
    return rows[0] ? this.#stored(rows[0]) : null;
  }

  async rollouts(): Promise<StoredRollout[]> {
    const { rows } = await this.#c.query<RolloutRow>(`SELECT id, document, open FROM ${this.#s}.rollouts ORDER BY seq`);
    const out: StoredRollout[] = [];
    for (const row of rows) out.push(await this.#stored(row));
    return out;
  }

  async rolloutExists(id: string): Promise<boolean> {
    const { rowCount } = await this.#c.query(`SELECT 1 FROM ${this.#s}.rollouts WHERE id = $1`, [id]);
    return (rowCount ?? 0) > 0;
  }

  async insertRollout(id: string, document: unknown): Promise<void> {
    await this.#c.query(`INSERT INTO ${this.#s}.rollouts (id, document, open) VALUES ($1, $2, true)`, [id, JSON.stringify(document)]);
  }

  async closeRollout(id: string): Promise<void> {
    await this.#c.query(`UPDATE ${this.#s}.rollouts SET open = false WHERE id = $1`, [id]);
  }

  async insertRolloutEvent(id: string, e: RolloutEvent): Promise<void> {
    await this.#c.query(`INSERT INTO ${this.#s}.rollout_events (rollout_id, type, actor, at, note) VALUES ($1, $2, $3, $4, $5)`, [
      id,
      e.type,
      e.by,
      e.at,
      e.note ?? null,
    ]);
  }

  async #stored(row: RolloutRow): Promise<StoredRollout> {
    const { rows } = await this.#c.query<RolloutEventRow>(`SELECT type, actor, at, note FROM ${this.#s}.rollout_events WHERE rollout_id = $1 ORDER BY seq`, [row.id]);
    return { id: row.id, document: JSON.parse(row.document) as unknown, open: row.open, events: rows.map(rolloutEventOf) };
  }

  async #upsertConnectors(records: ConnectorRecord[]): Promise<void> {
    if (!records.length) return;
    await this.#c.query(
      `INSERT INTO ${this.#s}.connectors (link_name, body) SELECT * FROM unnest($1::text[], $2::text[])
       ON CONFLICT (link_name) DO UPDATE SET body = excluded.body`,
      // A connector row is its record's canonical text (schema 6), as a connection row is.
      [records.map((r) => r.linkName), records.map(canonicalConnectorJson)],
    );
  }

  async #upsertConnections(records: ConnectionRecord[]): Promise<void> {
    if (!records.length) return;
    await this.#c.query(
      `INSERT INTO ${this.#s}.connections (link_name, connector, body) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
       ON CONFLICT (link_name) DO UPDATE SET connector = excluded.connector, body = excluded.body`,
      [records.map((r) => r.linkName), records.map((r) => r.connector), records.map(canonicalConnectionJson)],
    );
  }
}

/**
 * Schema 5 → 6: every connections and connectors row is written again as its record's canonical
 * text (`canonicalConnectionJson`, `canonicalConnectorJson`; before, rows held `JSON.stringify` of the record, its keys in any
 * order), in the upgrade's transaction. A row whose canonical text would not be the same record
 * (not JSON, not an object of the row's link name, fields the canonical text does not keep) is left
 * as it is: loading it says what is wrong with it, as before.
 */
async function canonicalizeRows(client: pg.PoolClient, schema: string): Promise<void> {
  await canonicalRows(client, schema, 'connections', canonicalConnectionRowText);
  await canonicalRows(client, schema, 'connectors', canonicalConnectorRowText);
}

async function canonicalRows(
  client: pg.PoolClient,
  schema: string,
  table: 'connections' | 'connectors',
  canonical: (linkName: string, body: string) => string | null,
): Promise<void> {
  const { rows } = await client.query<[string, string]>({ text: `SELECT link_name, body FROM ${schema}.${table}`, rowMode: 'array' });
  const names: string[] = [];
  const bodies: string[] = [];
  for (const [linkName, body] of rows) {
    const text = canonical(linkName, body);
    if (text !== null && text !== body) {
      names.push(linkName);
      bodies.push(text);
    }
  }
  for (let i = 0; i < names.length; i += ROWS_PER_INSERT) {
    await client.query(`UPDATE ${schema}.${table} c SET body = u.body FROM unnest($1::text[], $2::text[]) AS u (link_name, body) WHERE c.link_name = u.link_name`, [
      names.slice(i, i + ROWS_PER_INSERT),
      bodies.slice(i, i + ROWS_PER_INSERT),
    ]);
  }
}

/**
 * The canonical text of the connector a connectors row holds (schema 5 wrote `JSON.stringify` of
 * the record), or null when that text would not be the same record: the record read back from it
 * must be the row's, field for field.
 */
function canonicalConnectorRowText(linkName: string, body: string): string | null {
  return canonicalTextOfRow(
    linkName,
    body,
    (value) => canonicalConnectorJson(value as ConnectorRecord),
    (text) => connectorOfStoredText(JSON.parse(text) as object),
  );
}

/** The canonical text of the record a connections row holds, or null when that text would not be the same record. */
function canonicalConnectionRowText(linkName: string, body: string): string | null {
  return canonicalTextOfRow(
    linkName,
    body,
    (value) => canonicalConnectionJson(value as ConnectionRecord),
    (text) => JSON.parse(text) as unknown,
  );
}

/** `write`'s text of the record a row holds, when reading that text back (`read`) gives the row's record again, field for field; else null. */
function canonicalTextOfRow(linkName: string, body: string, write: (value: object) => string, read: (text: string) => unknown): string | null {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || (value as { linkName?: unknown }).linkName !== linkName) return null;
  try {
    const text = write(value);
    // Nothing dropped or changed: the text reads back as the record the row held.
    return canonicalJson(read(text)) === canonicalJson(value) ? text : null;
  } catch {
    return null;
  }
}

type JournalWrite = NonNullable<ActionCommit['journal']>;

const JOURNAL_COLUMNS = 'run_id, action_id, op, link_name, status, serial, at, error, actor, note';
/** A journal entry is written whole; never over a `done` one (the engine checks in the same transaction). */
const JOURNAL_ON_CONFLICT = `ON CONFLICT (run_id, action_id) DO UPDATE SET op = excluded.op, link_name = excluded.link_name, status = excluded.status,
  serial = excluded.serial, at = excluded.at, error = excluded.error, actor = excluded.actor, note = excluded.note WHERE je.status <> 'done'`;

function journalValues({ key, op, linkName, outcome }: JournalWrite): (string | number | null)[] {
  return [key.runId, key.actionId, op, linkName, outcome.status, outcome.serial, outcome.at, outcome.error, key.by ?? null, key.note ?? null];
}

/** The upsert of one journal entry (`seq` is kept, so `ORDER BY seq` is the order in which actions were first journaled). */
function journalUpsert(schema: string, entry: JournalWrite): { text: string; values: (string | number | null)[] } {
  return {
    text: `INSERT INTO ${schema}.journal AS je (${JOURNAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ${JOURNAL_ON_CONFLICT}`,
    values: journalValues(entry),
  };
}

/** What `commit_action` answers (schema.ts, steps 5 and 7). */
type CommitRow = { ok: true } | { ok: false; serial: string | null; entry: JournalRow | null };

/** The parameters of `commit_action`, in its order: the lock, the guard, the effects' rows, the entry. */
function commitValues(writeKey: bigint, { atSerial, effects, journal }: ActionCommit): unknown[] {
  const entry = journal ? journalValues(journal) : [null, null, null, null, null, null, null, null, null, null];
  return [
    String(writeKey),
    String(atSerial),
    effects !== null,
    effects?.deleteConnections ?? [],
    effects?.deleteConnectors ?? [],
    // A row is its record's canonical text (schema 6): the digest is made of the rows' text.
    effects?.upsertConnectors.map(canonicalConnectorJson) ?? [],
    effects?.upsertConnections.map(canonicalConnectionJson) ?? [],
    ...entry,
  ];
}

/** A 64-bit advisory lock key of its own per database, schema and purpose. */
function advisoryKey(database: string, schema: string, purpose: string): bigint {
  const digest = createHash('sha256').update(`connectorops\0${database}\0${schema}\0${purpose}`).digest();
  return digest.readBigInt64BE(0);
}

/** How pg_locks shows a bigint advisory key: the high and the low 32 bits. */
function advisoryLockIds(key: bigint): { classid: string; objid: string } {
  const unsigned = BigInt.asUintN(64, key);
  return { classid: String(unsigned >> 32n), objid: String(unsigned & 0xffffffffn) };
}

/** The connection itself failed (refused, reset, ended, the server shutting down): nothing in it can be trusted. */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    // ENOENT, EACCES: a Unix socket (?host=/run/postgresql) that is not there, or not ours to use.
    if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ENOENT', 'EACCES'].includes(code)) return true;
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
  }
  const message = (error as Error | null)?.message ?? '';
  return /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect/i.test(message);
}

/** Worth another attempt: the database asked for one, or the transaction died with its connection. */
function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01' || (!(error instanceof TargetError) && !(error instanceof UserError) && isConnectionError(error));
}

/** A cause that carries no connection or config object (they hold the password). */
function plainCause(error: unknown): { name: string; code?: string; message: string } {
  const e = error as { name?: string; code?: unknown; message?: string };
  return { name: e.name ?? 'Error', ...(typeof e.code === 'string' ? { code: e.code } : {}), message: e.message ?? String(error) };
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`: a name for messages. */
