/**
 * `postgres://USER[:PASSWORD]@HOST[:PORT]/DB?schema=NAME[&sslmode=…]` → what node-postgres needs,
 * and the schema that holds the target. Pure: no connection is made here.
 *
 * - `postgresql://` is the same thing (libpq accepts both).
 * - The password comes from the URL, else from PGPASSWORD; sslmode from the URL, else PGSSLMODE,
 *   with libpq's meanings (`disable`, `prefer`, `require`, `verify-ca`, `verify-full`).
 * - One schema per target (several targets in one database); `connectorops` when not given.
 */
import type { ClientConfig } from 'pg';
import { parse, toClientConfig } from 'pg-connection-string';
import { UserError } from '../../errors.js';

const DEFAULT_SCHEMA = 'connectorops';
/** A plain, unquoted PostgreSQL identifier: what a person types, and safe to quote. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresLocation {
  config: ClientConfig;
  schema: string;
  /** The sslmode the URL (or PGSSLMODE) asked for, for messages; null when neither did. */
  sslmode: string | null;
}

export function isPostgresSpec(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

/**
 * Parses a target URL. `name` is how the user named the target, for messages: a message never
 * shows the URL itself when it carries a password.
 */
export function parsePostgresUrl(spec: string, name: string, env: NodeJS.ProcessEnv): PostgresLocation {
  const hint = 'a PostgreSQL target is postgres://USER@HOST:PORT/DB?schema=NAME (the password from PGPASSWORD)';
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new UserError(`target ${name} is not a valid PostgreSQL URL`, { hint });
  }
  if (!url.hostname) throw new UserError(`target ${name}: the URL names no host`, { hint });
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database || database.includes('/')) throw new UserError(`target ${name}: the URL names no database (…/DB?schema=NAME)`, { hint });
  const schemas = url.searchParams.getAll('schema');
  if (schemas.length > 1) throw new UserError(`target ${name}: schema is given ${schemas.length} times`, { hint });
  const schema = schemas[0] ?? DEFAULT_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) {
    throw new UserError(`target ${name}: schema '${schema}' is not a plain PostgreSQL name`, {
      hint: 'a schema name is lowercase letters, digits and _, starting with a letter or _, at most 63 characters',
    });
  }
  url.searchParams.delete('schema');
  if (!url.searchParams.has('sslmode') && env.PGSSLMODE) url.searchParams.set('sslmode', env.PGSSLMODE);
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode !== null && !['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'].includes(sslmode)) {
    throw new UserError(`target ${name}: sslmode '${sslmode}' is not one of libpq's`, { hint: 'sslmode is disable, prefer, require, verify-ca or verify-full' });
  }
  // `allow` (plain first, TLS if the server insists) is not something node-postgres can do: plain it is.
  if (sslmode === 'allow') url.searchParams.set('sslmode', 'disable');
  let parsed: ClientConfig;
  try {
    parsed = toClientConfig(parse(url.toString().replace(/^postgresql:/i, 'postgres:'), { useLibpqCompat: true }));
  } catch (error) {
    throw new UserError(`target ${name}: ${(error as Error).message}`, { hint });
  }
  const user = parsed.user || env.PGUSER;
  const password = parsed.password || env.PGPASSWORD;
  const config: ClientConfig = { ...parsed, database, ...(user ? { user } : {}), ...(password ? { password } : {}) };
  return { config, schema, sslmode };
}
