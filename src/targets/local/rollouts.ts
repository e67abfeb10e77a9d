/**
 * The SQLite adapter's rollout tables (docs/rollouts.md), the migration that adds them, and their
 * statements; the engine (engine/engine.ts) holds the logic.
 *
 * - `meta` rows `mode` and `account` (absent: a target created implicitly, which is simulated);
 * - `rollouts`: one row per rollout, its document as rollout/ wrote it; a partial unique index
 *   makes "at most one open rollout" the database's rule too;
 * - `rollout_events`: opened, abandoned, closed, with who, when and the note;
 * - the journal's `actor` and `note` columns: a rollout step's confirmation, written with its effect.
 */
import { valueOf, type SqliteDatabase } from './sqlite-driver.js';
import { rolloutEventOf, type RolloutEventRow } from '../engine/store.js';
import type { RolloutEvent, StoredRollout, TargetMode } from '../target.js';

/** Schema version 2 is version 1 plus what this file adds. */
const ROLLOUT_SCHEMA = `
CREATE TABLE IF NOT EXISTS rollouts (
  seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, document TEXT NOT NULL, open INTEGER NOT NULL CHECK (open IN (0, 1))
) STRICT;
CREATE UNIQUE INDEX IF NOT EXISTS rollouts_one_open ON rollouts (open) WHERE open = 1;
CREATE TABLE IF NOT EXISTS rollout_events (
  rollout_id TEXT NOT NULL REFERENCES rollouts (id),
  type TEXT NOT NULL CHECK (type IN ('opened', 'abandoned', 'closed')),
  actor TEXT NOT NULL, at TEXT NOT NULL, note TEXT
) STRICT;
`;

/** Adds the rollout tables, and the journal's columns to a file written before them (schema 1 → 2). */
export function migrateToRollouts(db: SqliteDatabase): void {
  db.exec(ROLLOUT_SCHEMA);
  const columns = new Set((db.prepare('PRAGMA table_info(journal)').all() as Array<{ name: string }>).map((c) => c.name));
  if (!columns.has('actor')) db.exec('ALTER TABLE journal ADD COLUMN actor TEXT');
  if (!columns.has('note')) db.exec('ALTER TABLE journal ADD COLUMN note TEXT');
}

interface RolloutRow {
  id: string;
  document: string;
  open: number;
}

/** The rollout statements of one open file. */
export class SqliteRollouts {
  readonly #stmt: ReturnType<typeof prepare>;

  constructor(db: SqliteDatabase) {
    this.#stmt = prepare(db);
  }

  targetInfo(): { mode: TargetMode; account: string | null } | null {
    const mode = valueOf(this.#stmt.getMeta, 'mode') as TargetMode | undefined;
    if (mode === undefined) return null;
    return { mode, account: (valueOf(this.#stmt.getMeta, 'account') as string | undefined) ?? null };
  }

  setTargetInfo(mode: TargetMode, account: string | null): void {
    this.#stmt.setMeta.run('mode', mode);
    if (account !== null) this.#stmt.setMeta.run('account', account);
  }

  open(): StoredRollout | null {
    const row = this.#stmt.openRollout.get() as RolloutRow | undefined;
    return row ? this.#stored(row) : null;
  }

  all(): StoredRollout[] {
    return (this.#stmt.allRollouts.all() as RolloutRow[]).map((r) => this.#stored(r));
  }

  exists(id: string): boolean {
    return this.#stmt.getRollout.get(id) !== undefined;
  }

  insert(id: string, document: unknown): void {
    this.#stmt.insertRollout.run(id, JSON.stringify(document));
  }

  close(id: string): void {
    this.#stmt.closeRollout.run(id);
  }

  insertEvent(id: string, e: RolloutEvent): void {
    this.#stmt.insertEvent.run({ rollout_id: id, type: e.type, actor: e.by, at: e.at, note: e.note ?? null });
  }

  #stored(row: RolloutRow): StoredRollout {
    const events = (this.#stmt.eventsOf.all(row.id) as RolloutEventRow[]).map(rolloutEventOf);
    return { id: row.id, document: JSON.parse(row.document) as unknown, open: row.open === 1, events };
  }
}

function prepare(db: SqliteDatabase) {
  return {
    getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    openRollout: db.prepare('SELECT id, document, open FROM rollouts WHERE open = 1'),
    getRollout: db.prepare('SELECT id FROM rollouts WHERE id = ?'),
    insertRollout: db.prepare('INSERT INTO rollouts (id, document, open) VALUES (?, ?, 1)'),
    closeRollout: db.prepare('UPDATE rollouts SET open = 0 WHERE id = ?'),
    allRollouts: db.prepare('SELECT id, document, open FROM rollouts ORDER BY seq'),
    insertEvent: db.prepare('INSERT INTO rollout_events (rollout_id, type, actor, at, note) VALUES (@rollout_id, @type, @actor, @at, @note)'),
    eventsOf: db.prepare('SELECT type, actor, at, note FROM rollout_events WHERE rollout_id = ? ORDER BY rowid'),
  };
}
