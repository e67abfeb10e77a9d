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
import { statSync } from 'node:fs';
import { UserError } from '../../errors.js';
import { quoteTerminal } from '../../util/terminal.js';

const DEFAULT_SCHEMA = 'connectorops';
/** A plain, unquoted PostgreSQL identifier: what a person types, and safe to quote. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresLocation {
  config: ClientConfig;
  schema: string;
  /** The sslmode the URL (or PGSSLMODE) asked for, for messages; null when neither did. */
  sslmode: string | null;
}

/** The URL parameters naming files that node-postgres reads whole (libpq's). */
const CERTIFICATE_PARAMS = ['sslrootcert', 'sslcert', 'sslkey'] as const;
/** A certificate or key is a few KiB; a bundle of every CA, a few hundred. */
const MAX_CERTIFICATE_BYTES = 1024 * 1024;

/**
 * A certificate file is read only when it is a regular file of at most 1 MiB: `sslrootcert=/dev/zero`
 * would otherwise be read until memory runs out, and a FIFO would hang the command.
 */
function checkCertificateFile(path: string, param: string, name: string): void {
  const hint = `${param} names a PEM file of at most 1 MiB`;
  let info;
  try {
    info = statSync(path);
  } catch (error) {
    throw new UserError(`target ${name}: ${param} ${quoteTerminal(path)} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { hint });
  }
  if (!info.isFile()) throw new UserError(`target ${name}: ${param} ${quoteTerminal(path)} is not a regular file`, { hint });
  if (info.size > MAX_CERTIFICATE_BYTES)
    throw new UserError(`target ${name}: ${param} ${quoteTerminal(path)} has ${info.size} bytes, more than a certificate file holds`, { hint });
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
  let database: string;
  try {
    database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  } catch {
    // A % not followed by two hex digits: the name is written as it is, or percent-encoded.
    throw new UserError(`target ${name}: the database name in the URL is not percent-encoded right (a % is %25)`, { hint });
  }
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
  for (const param of CERTIFICATE_PARAMS) {
    const path = url.searchParams.get(param);
    if (path !== null) checkCertificateFile(path, param, name);
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
