/**
 * Opening a target from its spec (contracts.md, "Targets"). Resolving a `--target` flag against
 * connectorops.yaml happens before this (manifest/config.ts `resolveTargetSpec`); this takes
 * the resolved spec.
 */
import { isAbsolute, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { LocalTarget } from './local/local-target.js';
import type { Target } from './target.js';

export { LocalTarget, LOCAL_SCHEMA_VERSION, type LocalTargetOptions } from './local/local-target.js';
export { LockHeldError, lockRequest, unlockCommand } from './lock.js';
export {
  SNAPSHOT_FORMAT_VERSIONS,
  SnapshotSchema,
  parseSnapshotJson,
  validateSnapshot,
  stateToSnapshot,
  snapshotToState,
  stateDigest,
  authenticationToSnapshot,
  locateJsonError,
} from './snapshot.js';
export { parseAction, ActionBodySchema } from './action-schema.js';
export { fingerprintKeyId, fingerprintsComparable } from '../model/fingerprint.js';
export type * from './target.js';

export interface OpenTargetOptions {
  /** How the user named the target, for messages (defaults to the spec). */
  name?: string;
  /** The directory a relative `local:` path is relative to (default: process.cwd()). */
  cwd?: string;
}

const ACCEPTED = 'local:PATH (a file on this machine), http://HOST:PORT or https://HOST (a target served by `connectorops serve`)';

/**
 * Opens the target a spec names: `local:PATH` (absolute, or relative to `cwd`; the file is
 * created on first use). `http://` and `https://` are refused for now: the HTTP target is the
 * next milestone. Anything else is a UserError listing the accepted forms.
 */
export async function openTarget(spec: string, options: OpenTargetOptions = {}): Promise<Target> {
  const name = options.name ?? spec;
  if (spec.startsWith('local:')) {
    const path = spec.slice('local:'.length);
    if (!path) throw new UserError(`target '${name}': local: needs a path, e.g. local:.connectorops/local.db`);
    const abs = isAbsolute(path) ? path : resolve(options.cwd ?? process.cwd(), path);
    return LocalTarget.open(abs, { name });
  }
  if (/^https?:\/\//i.test(spec)) {
    throw new UserError(`target '${name}': the HTTP target is not available in this version of connectorops yet`, {
      hint: 'use a local target (local:PATH) for now',
    });
  }
  throw new UserError(`target '${name}' is not a target spec`, { hint: `a target is ${ACCEPTED}` });
}
