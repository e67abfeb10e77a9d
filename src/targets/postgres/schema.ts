/**
 * The tables of a PostgreSQL target, in one schema per target, and how a schema is brought from
 * one version to the next. Every step runs inside the one transaction that upgrades a schema
 * (PostgreSQL's DDL is transactional): an upgrade is all of its steps or none.
 */

/** The version this connectorops writes. A schema with a higher one is refused, never guessed at. */
export const POSTGRES_SCHEMA_VERSION = 4;

/**
 * `STEPS[v - 1]` takes a schema from version v - 1 to v (version 0: nothing there yet). Add a
 * step, never change one that has shipped: targets in the field are at every version.
 */
export const STEPS: ReadonlyArray<(schema: string) => string> = [
  // 1: the tables of the local target, one row per record, bodies as the model's JSON text.
  (s) => `
    CREATE TABLE ${s}.schema_version (version integer NOT NULL);
    INSERT INTO ${s}.schema_version (version) VALUES (0);
    CREATE TABLE ${s}.meta (key text PRIMARY KEY, value text NOT NULL);
    CREATE TABLE ${s}.connectors (link_name text PRIMARY KEY, body text NOT NULL);
    CREATE TABLE ${s}.connections (link_name text PRIMARY KEY, connector text NOT NULL, body text NOT NULL);
    CREATE TABLE ${s}.journal (
      seq bigserial NOT NULL,
      run_id text NOT NULL, action_id text NOT NULL, op text NOT NULL, link_name text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
      serial bigint, at text NOT NULL, error text,
      PRIMARY KEY (run_id, action_id)
    );
    CREATE INDEX journal_run ON ${s}.journal (run_id, seq);
    CREATE TABLE ${s}.locks (
      slot integer PRIMARY KEY CHECK (slot = 1),
      id text NOT NULL, holder text NOT NULL, host text NOT NULL, pid integer NOT NULL,
      operation text NOT NULL, started_at text NOT NULL
    );`,
  // 2: the backend pid of the session holding the advisory lock, so that `unlock` can end it.
  (s) => `ALTER TABLE ${s}.locks ADD COLUMN session text;`,
  // 3: rollouts (docs/rollouts.md): the rollouts, their events, and who confirmed a journaled step.
  // The partial unique index makes "at most one open rollout" the database's rule too.
  (s) => `
    CREATE TABLE ${s}.rollouts (
      seq bigserial NOT NULL, id text PRIMARY KEY, document text NOT NULL, open boolean NOT NULL
    );
    CREATE UNIQUE INDEX rollouts_one_open ON ${s}.rollouts (open) WHERE open;
    CREATE TABLE ${s}.rollout_events (
      seq bigserial PRIMARY KEY, rollout_id text NOT NULL REFERENCES ${s}.rollouts (id),
      type text NOT NULL CHECK (type IN ('opened', 'abandoned', 'closed')),
      actor text NOT NULL, at text NOT NULL, note text
    );
    ALTER TABLE ${s}.journal ADD COLUMN actor text;
    ALTER TABLE ${s}.journal ADD COLUMN note text;`,
  // 4: a connection's one `authorization` becomes a list of `authorizations` (one entry for
  // `all` environments of an admin connection, or none).
  (s) => `
    UPDATE ${s}.connections SET body = (
      (body::jsonb - 'authorization') || jsonb_build_object(
        'authorizationOwner', 'admin',
        'sameAuthorizationForAllEnvironments', true,
        'authorizations', CASE
          WHEN body::jsonb #>> '{authorization,status}' = 'authorized'
            THEN jsonb_build_array(jsonb_build_object('environment', 'all', 'account', body::jsonb #>> '{authorization,account}'))
          ELSE '[]'::jsonb
        END)
    )::text
    WHERE body::jsonb ? 'authorization';`,
];

/** A schema name as SQL. Names are checked plain (url.ts), so quoting is all it takes. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
