/**
 * Opening a target from its spec (README, "Targets"). Resolving a `--target` flag against
 * connectorops.yaml happens before this (manifest/config.ts `resolveTargetSpec`); this takes
 * the resolved spec.
 */
import { isAbsolute, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { HttpTarget, type RetryEvent } from './http/client.js';
import { TOKEN_ENV } from './http/protocol.js';
import { LocalTarget } from './local/local-target.js';
import { PostgresTarget } from './postgres/postgres-target.js';
import { isPostgresSpec } from './postgres/url.js';
import type { Target } from './target.js';
import { readSecrets } from '../model/own.js';
import { targetIdentity } from '../util/target-identity.js';

export { LocalTarget, TargetMissingError } from './local/local-target.js';
export type { RetryEvent } from './http/client.js';
export type * from './target.js';

export interface OpenTargetOptions {
  /** How the user named the target, for messages (defaults to the spec). */
  name?: string;
  /** The directory a relative `local:` path is relative to (default: process.cwd()). */
  cwd?: string;
  /** Where an HTTP target's token (CONNECTOROPS_TOKEN) and PGPASSWORD are read from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** An HTTP target tells each retry of a request here (apply reports them). */
  onRetry?: (retry: RetryEvent) => void;
  /**
   * Whether a local target with no file yet is created (default true). Commands that only read
   * pass false and get a TargetMissingError instead: only apply, `target import` and serve create.
   */
  create?: boolean;
}

const ACCEPTED =
  'local:PATH (a file on this machine), postgres://USER@HOST:PORT/DB?schema=NAME (a schema of a PostgreSQL database), ' +
  'http://HOST:PORT or https://HOST (a target served by `connectorops serve`)';

/**
 * Opens the target a spec names: `local:PATH` (absolute, or relative to `cwd`; the file is
 * created on first use), `postgres://…` / `postgresql://…`, a schema of a PostgreSQL database (created
 * by the first write, never by a read), or `http://…` / `https://…`, a target served by `connectorops serve`,
 * with the bearer token from CONNECTOROPS_TOKEN (a UserError when it is not set). Opening an HTTP
 * target sends nothing: the first call does. Anything else is a UserError listing the accepted forms.
 */
export async function openTarget(spec: string, options: OpenTargetOptions = {}): Promise<Target> {
  const name = targetIdentity(options.name ?? spec);
  if (spec.startsWith('local:')) {
    const path = spec.slice('local:'.length);
    if (!path) throw new UserError(`target '${name}': local: needs a path, e.g. local:.connectorops/local.db`);
    const abs = isAbsolute(path) ? path : resolve(options.cwd ?? process.cwd(), path);
    return LocalTarget.open(abs, { name, create: options.create ?? true });
  }
  if (isPostgresSpec(spec)) return PostgresTarget.open(spec, { name, env: options.env ?? process.env });
  if (/^https?:\/\//i.test(spec)) {
    const token = readSecrets(options.env ?? process.env)(TOKEN_ENV);
    if (!token) {
      throw new UserError(`target ${name} is served over HTTP and needs a token: ${TOKEN_ENV} is not set`, {
        hint: `set ${TOKEN_ENV} to the token that \`connectorops serve\` was started with`,
      });
    }
    return new HttpTarget(spec, { name, token, ...(options.onRetry ? { onRetry: options.onRetry } : {}) });
  }
  throw new UserError(`target '${name}' is not a target spec`, { hint: `a target is ${ACCEPTED}` });
}
