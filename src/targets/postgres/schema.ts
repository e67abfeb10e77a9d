/**
 * The tables of a PostgreSQL target, in one schema per target, and how a schema is brought from
 * one version to the next. Every step runs inside the one transaction that upgrades a schema
 * (PostgreSQL's DDL is transactional): an upgrade is all of its steps or none.
 */

/** The version this connectorops writes. A schema with a higher one is refused, never guessed at. */
export const POSTGRES_SCHEMA_VERSION = 7;

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
  // 5: a journaled action in one call (PgStore.commitAction): the writers' lock, then, each statement
  // on a snapshot taken after the lock (a VOLATILE function's statements take their own, in READ
  // COMMITTED), the check that the serial is still the caller's and the entry not done; only then
  // the effects' rows (World.apply's order), the serial and the entry. One statement of a prepared
  // call: one round trip, planned once per connection, every value a parameter. Answers
  // {"ok": true}, or {"ok": false, "serial": as committed, "entry": the entry as it is} having
  // written nothing.
  (s) => `
    CREATE OR REPLACE FUNCTION ${s}.commit_action(
      p_write_key bigint, p_at_serial text, p_effects boolean,
      p_delete_connections text[], p_delete_connectors text[], p_upsert_connectors text[], p_upsert_connections text[],
      p_run_id text, p_action_id text, p_op text, p_link_name text, p_status text, p_serial bigint, p_at text, p_error text, p_actor text, p_note text
    ) RETURNS json LANGUAGE plpgsql VOLATILE AS $fn$
    DECLARE
      v_serial text;
    BEGIN
      PERFORM pg_advisory_xact_lock(p_write_key);
      SELECT m.value INTO v_serial FROM ${s}.meta m WHERE m.key = 'serial';
      IF v_serial IS DISTINCT FROM p_at_serial
         OR (p_run_id IS NOT NULL AND EXISTS (SELECT FROM ${s}.journal e WHERE e.run_id = p_run_id AND e.action_id = p_action_id AND e.status = 'done')) THEN
        RETURN json_build_object('ok', false, 'serial', v_serial,
          'entry', (SELECT row_to_json(e) FROM ${s}.journal e WHERE e.run_id = p_run_id AND e.action_id = p_action_id));
      END IF;
      IF p_effects THEN
        IF cardinality(p_delete_connections) > 0 THEN
          DELETE FROM ${s}.connections c WHERE c.link_name = ANY (p_delete_connections);
        END IF;
        IF cardinality(p_delete_connectors) > 0 THEN
          DELETE FROM ${s}.connectors c WHERE c.link_name = ANY (p_delete_connectors);
        END IF;
        IF cardinality(p_upsert_connectors) > 0 THEN
          INSERT INTO ${s}.connectors (link_name, body) SELECT b::json->>'linkName', b FROM unnest(p_upsert_connectors) AS t(b)
            ON CONFLICT (link_name) DO UPDATE SET body = excluded.body;
        END IF;
        IF cardinality(p_upsert_connections) > 0 THEN
          INSERT INTO ${s}.connections (link_name, connector, body) SELECT b::json->>'linkName', b::json->>'connector', b FROM unnest(p_upsert_connections) AS t(b)
            ON CONFLICT (link_name) DO UPDATE SET connector = excluded.connector, body = excluded.body;
        END IF;
        UPDATE ${s}.meta m SET value = (p_at_serial::bigint + 1)::text WHERE m.key = 'serial';
      END IF;
      IF p_run_id IS NOT NULL THEN
        INSERT INTO ${s}.journal AS je (run_id, action_id, op, link_name, status, serial, at, error, actor, note)
          VALUES (p_run_id, p_action_id, p_op, p_link_name, p_status, p_serial, p_at, p_error, p_actor, p_note)
          ON CONFLICT (run_id, action_id) DO UPDATE SET op = excluded.op, link_name = excluded.link_name, status = excluded.status,
            serial = excluded.serial, at = excluded.at, error = excluded.error, actor = excluded.actor, note = excluded.note
          WHERE je.status <> 'done';
      END IF;
      RETURN json_build_object('ok', true);
    END
    $fn$;`,
  // 6: connection rows ordered by link_name in byte order (COLLATE "C"; the primary key's index is
  // rebuilt in it), which is JavaScript's string order for link names (ASCII by N3): a whole table
  // read in link-name order walks that index, whatever the database's default collation. The
  // rows' bodies are then written again as their records' canonical text (PgStore's upgrade, in
  // the same transaction: JavaScript writes that text), which the digest is made of from then on.
  (s) => `ALTER TABLE ${s}.connections ALTER COLUMN link_name TYPE text COLLATE "C";`,
  // 7: (a) connector rows in byte order too (COLLATE "C", the primary key's index rebuilt in it):
  // their text is the digest's other part, hashed in the order it is read, which must be
  // JavaScript's whatever the database's default collation (an ICU en-US database sorts `a_c`
  // before `a1`, JavaScript after). (b) commit_action asks whether the entry is done through the
  // journal's primary key: the entry is written first, by an upsert whose arbiter is that key and
  // which leaves a `done` entry as it is (no row written: nothing else is then written either,
  // the answer is the refusal). Step 5's `EXISTS (... run_id = ... AND action_id = ...)` was
  // planned against whichever index the planner liked; on a journal that was empty when the
  // session planned it (a new target, an apply's first actions) both indexes cost the same and it
  // took `journal_run (run_id, seq)`, reading every entry of the run per action: a run of n
  // actions cost n²/2 entries read (~80 µs an action on average at 1,000 actions, measured).
  (s) => `
    ALTER TABLE ${s}.connectors ALTER COLUMN link_name TYPE text COLLATE "C";
    CREATE OR REPLACE FUNCTION ${s}.commit_action(
      p_write_key bigint, p_at_serial text, p_effects boolean,
      p_delete_connections text[], p_delete_connectors text[], p_upsert_connectors text[], p_upsert_connections text[],
      p_run_id text, p_action_id text, p_op text, p_link_name text, p_status text, p_serial bigint, p_at text, p_error text, p_actor text, p_note text
    ) RETURNS json LANGUAGE plpgsql VOLATILE AS $fn$
    DECLARE
      v_serial text;
      v_written integer := 1;
    BEGIN
      PERFORM pg_advisory_xact_lock(p_write_key);
      SELECT m.value INTO v_serial FROM ${s}.meta m WHERE m.key = 'serial';
      IF v_serial IS NOT DISTINCT FROM p_at_serial AND p_run_id IS NOT NULL THEN
        INSERT INTO ${s}.journal AS je (run_id, action_id, op, link_name, status, serial, at, error, actor, note)
          VALUES (p_run_id, p_action_id, p_op, p_link_name, p_status, p_serial, p_at, p_error, p_actor, p_note)
          ON CONFLICT (run_id, action_id) DO UPDATE SET op = excluded.op, link_name = excluded.link_name, status = excluded.status,
            serial = excluded.serial, at = excluded.at, error = excluded.error, actor = excluded.actor, note = excluded.note
          WHERE je.status <> 'done';
        GET DIAGNOSTICS v_written = ROW_COUNT;
      END IF;
      IF v_serial IS DISTINCT FROM p_at_serial OR v_written = 0 THEN
        RETURN json_build_object('ok', false, 'serial', v_serial,
          'entry', (SELECT row_to_json(e) FROM ${s}.journal e WHERE e.run_id = p_run_id AND e.action_id = p_action_id));
      END IF;
      IF p_effects THEN
        IF cardinality(p_delete_connections) > 0 THEN
          DELETE FROM ${s}.connections c WHERE c.link_name = ANY (p_delete_connections);
        END IF;
        IF cardinality(p_delete_connectors) > 0 THEN
          DELETE FROM ${s}.connectors c WHERE c.link_name = ANY (p_delete_connectors);
        END IF;
        IF cardinality(p_upsert_connectors) > 0 THEN
          INSERT INTO ${s}.connectors (link_name, body) SELECT b::json->>'linkName', b FROM unnest(p_upsert_connectors) AS t(b)
            ON CONFLICT (link_name) DO UPDATE SET body = excluded.body;
        END IF;
        IF cardinality(p_upsert_connections) > 0 THEN
          INSERT INTO ${s}.connections (link_name, connector, body) SELECT b::json->>'linkName', b::json->>'connector', b FROM unnest(p_upsert_connections) AS t(b)
            ON CONFLICT (link_name) DO UPDATE SET connector = excluded.connector, body = excluded.body;
        END IF;
        UPDATE ${s}.meta m SET value = (p_at_serial::bigint + 1)::text WHERE m.key = 'serial';
      END IF;
      RETURN json_build_object('ok', true);
    END
    $fn$;`,
];

/** The version from which every connections row's body is its record's canonical text (postgres-target.ts). */
export const CANONICAL_ROWS_VERSION = 6;

/** A schema name as SQL. Names are checked plain (url.ts), so quoting is all it takes. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
