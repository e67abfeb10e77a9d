/**
 * The local target's part of rollouts (docs/rollouts.md): the target's mode and account, and the
 * rollouts themselves, in the same SQLite file as the state. Kept apart from local-target.ts so
 * that it can move as one piece behind a storage interface.
 *
 * - `meta` rows `mode` and `account` (absent: a target created implicitly, which is simulated);
 * - `rollouts`: one row per rollout, its document as rollout/ wrote it; a partial unique index
 *   makes "at most one open rollout" the database's rule, not only ours;
 * - `rollout_events`: opened, abandoned, closed, with who, when and the note. Step confirmations
 *   live in the journal (run id = rollout id), written with the effect they record.
 */
import type Database from 'better-sqlite3';
import { TargetError, UserError } from '../../errors.js';
import type { RolloutEvent, StoredRollout, TargetInfo, TargetMode } from '../target.js';

export const ROLLOUT_SCHEMA = `
CREATE TABLE IF NOT EXISTS rollouts (
  seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, document TEXT NOT NULL, open INTEGER NOT NULL CHECK (open IN (0, 1))
) STRICT;
CREATE UNIQUE INDEX IF NOT EXISTS rollouts_one_open ON rollouts (open) WHERE open = 1;
CREATE TABLE IF NOT EXISTS rollout_events (
  rollout_id TEXT NOT NULL REFERENCES rollouts (id), type TEXT NOT NULL CHECK (type IN ('opened', 'abandoned', 'closed')),
  actor TEXT NOT NULL, at TEXT NOT NULL, note TEXT
) STRICT;
`;

/**
 * Creates the rollout tables, and the journal's `actor` and `note` columns in a file written before
 * rollouts existed (an added column is invisible to an older connectorops, so the schema version stays).
 */
export function migrateRollouts(db: Database.Database): void {
  db.exec(ROLLOUT_SCHEMA);
  const columns = new Set((db.prepare('PRAGMA table_info(journal)').all() as Array<{ name: string }>).map((c) => c.name));
  if (!columns.has('actor')) db.exec('ALTER TABLE journal ADD COLUMN actor TEXT');
  if (!columns.has('note')) db.exec('ALTER TABLE journal ADD COLUMN note TEXT');
}

interface RolloutRow {
  seq: number;
  id: string;
  document: string;
  open: number;
}

interface EventRow {
  rollout_id: string;
  type: RolloutEvent['type'];
  actor: string;
  at: string;
  note: string | null;
}

/** The mode, account and rollouts of one local target file. Every write is one transaction. */
export class LocalRollouts {
  readonly #db: Database.Database;
  readonly #name: string;
  readonly #stmt: ReturnType<typeof prepare>;

  constructor(db: Database.Database, name: string) {
    this.#db = db;
    this.#name = name;
    this.#stmt = prepare(db);
  }

  info(): TargetInfo {
    const mode = this.#stmt.getMeta.get('mode') as TargetMode | undefined;
    const account = this.#stmt.getMeta.get('account') as string | undefined;
    return { mode: mode ?? 'simulated', account: account ?? null, initialized: mode !== undefined };
  }

  initialize(mode: TargetMode, account: string | null, isEmpty: () => boolean): void {
    this.#db
      .transaction(() => {
        const now = this.info();
        if (now.initialized) {
          if (now.mode === mode && now.account === account) return;
          throw new UserError(`target ${this.#name} is already a ${now.mode} target${now.account ? ` for ${now.account}` : ''}; nothing was changed`, {
            hint: 'a target keeps the mode it was created with: initialize another target',
          });
        }
        const rollouts = this.#stmt.countRollouts.get() as { n: number };
        if (!isEmpty() || rollouts.n > 0) {
          throw new UserError(`target ${this.#name} is not empty; nothing was changed`, {
            hint: 'target init creates an empty target: name a new one (local:PATH creates the file)',
          });
        }
        this.#stmt.setMeta.run('mode', mode);
        if (account !== null) this.#stmt.setMeta.run('account', account);
      })
      .immediate();
  }

  open(id: string, document: unknown, opened: RolloutEvent): void {
    this.#db
      .transaction(() => {
        const current = this.#stmt.openRollout.get() as RolloutRow | undefined;
        if (current) {
          throw new TargetError(`target ${this.#name} already has an open rollout (${current.id}); a target has at most one`, {
            status: 409,
            hint: `finish it (connectorops rollout) or abandon it (connectorops rollout abandon)`,
          });
        }
        if (this.#stmt.getRollout.get(id)) throw new TargetError(`a rollout with id ${id} already exists on target ${this.#name}`, { status: 409 });
        this.#stmt.insertRollout.run(id, JSON.stringify(document));
        this.#insertEvent(id, opened);
      })
      .immediate();
  }

  current(): StoredRollout | null {
    return this.#db
      .transaction(() => {
        const row = this.#stmt.openRollout.get() as RolloutRow | undefined;
        return row ? this.#stored(row) : null;
      })
      .deferred();
  }

  close(id: string, event: RolloutEvent): void {
    this.#db
      .transaction(() => {
        const row = this.#stmt.openRollout.get() as RolloutRow | undefined;
        if (row?.id !== id) {
          throw new TargetError(`rollout ${id} is not open on target ${this.#name}${row ? ` (the open one is ${row.id})` : ''}`, { status: 409 });
        }
        this.#stmt.closeRollout.run(id);
        this.#insertEvent(id, event);
      })
      .immediate();
  }

  all(): StoredRollout[] {
    return this.#db.transaction(() => (this.#stmt.allRollouts.all() as RolloutRow[]).map((r) => this.#stored(r))).deferred();
  }

  #insertEvent(id: string, e: RolloutEvent): void {
    this.#stmt.insertEvent.run({ rollout_id: id, type: e.type, actor: e.by, at: e.at, note: e.note ?? null });
  }

  #stored(row: RolloutRow): StoredRollout {
    const events = (this.#stmt.eventsOf.all(row.id) as EventRow[]).map((e) => ({
      type: e.type,
      by: e.actor,
      at: e.at,
      ...(e.note !== null ? { note: e.note } : {}),
    }));
    return { id: row.id, document: JSON.parse(row.document) as unknown, open: row.open === 1, events };
  }
}

function prepare(db: Database.Database) {
  return {
    getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
    setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    countRollouts: db.prepare('SELECT count(*) AS n FROM rollouts'),
    openRollout: db.prepare('SELECT * FROM rollouts WHERE open = 1'),
    getRollout: db.prepare('SELECT * FROM rollouts WHERE id = ?'),
    insertRollout: db.prepare('INSERT INTO rollouts (id, document, open) VALUES (?, ?, 1)'),
    closeRollout: db.prepare('UPDATE rollouts SET open = 0 WHERE id = ?'),
    allRollouts: db.prepare('SELECT * FROM rollouts ORDER BY seq'),
    insertEvent: db.prepare('INSERT INTO rollout_events (rollout_id, type, actor, at, note) VALUES (@rollout_id, @type, @actor, @at, @note)'),
    eventsOf: db.prepare('SELECT * FROM rollout_events WHERE rollout_id = ? ORDER BY rowid'),
  };
}
