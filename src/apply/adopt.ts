/**
 * The adopt workflow (`target adopt`, docs/targets.md): an account whose connectors already exist in
 * Creator comes under Git. The manifests' state becomes a new ledger's current state (rollout/adopt.ts
 * says what that state is); this file is the edge around it: load the manifests, open the target,
 * take its lock, refuse a simulated or non-empty target, and write the state. It writes nothing to
 * any stream: the CLI renders its result.
 */
import { UserError, type Diagnostic } from '../errors.js';
import { environmentsLacking, isAuthorized } from '../model/authorizations.js';
import type { AuthorizationEnvironment } from '../model/types.js';
import { readSecrets } from '../model/own.js';
import { loadForPlan, planAgainst } from '../plan/run.js';
import { adoptedState, checkAuthorizedNames, type AuthorizedConnection } from '../rollout/adopt.js';
import { openTarget } from '../targets/index.js';
import { lockRequest } from '../targets/lock.js';
import { stateToSnapshot } from '../targets/snapshot.js';
import { plural } from '../util/text.js';

export interface AdoptOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The manifest directory, relative to `cwd` (default `.`). */
  dir?: string;
  /** `--target` as typed: a configured name or a spec. */
  target?: string;
  /** Who authorized which connection in Creator, as the person attests (`--authorized`). */
  authorized: readonly AuthorizedConnection[];
  /** The manifests' warnings, as soon as they are loaded (before anything can fail). */
  onDiagnostics?: (diagnostics: readonly Diagnostic[]) => void;
}

export interface AdoptResult {
  targetName: string;
  connectors: number;
  connections: number;
  /**
   * Connections recorded without an authorization that they need (no `--authorized` named it):
   * `lacking` names the environments a partly authorized one lacks (empty: it has none at all).
   */
  unauthorized: { linkName: string; lacking: AuthorizationEnvironment[] }[];
  /** Environment variables the manifests name that are unset: those secrets' fingerprints are not recorded. */
  unsetSecrets: string[];
}

/**
 * Records the manifests' state as the new ledger's state. Refused, nothing changed, when the
 * manifests are invalid or blocked, `--authorized` names a connection they do not define, the target
 * is simulated or not empty, or its lock is held.
 */
export async function adoptLedger(options: AdoptOptions): Promise<AdoptResult> {
  const loaded = await loadForPlan({
    cwd: options.cwd,
    ...(options.dir !== undefined ? { dir: options.dir } : {}),
    ...(options.target !== undefined ? { target: options.target } : {}),
  });
  options.onDiagnostics?.(loaded.diagnostics);
  // What the manifests alone refuse is refused before the target is opened: nothing is created.
  checkAuthorizedNames(options.authorized, loaded.manifests.desired.connections);
  const target = await openTarget(loaded.targetSpec, { name: loaded.targetName, cwd: options.cwd, env: options.env, create: true });
  try {
    // The lock first: taking it creates a target that does not exist yet, which adopt is for (a
    // PostgreSQL schema is created by the first write; reading its info would say it is missing).
    const lock = await target.acquireLock(lockRequest('target adopt'), { timeoutMs: 0 });
    try {
      const info = await target.info();
      if (info.initialized && info.mode === 'simulated') {
        throw new UserError(`target ${loaded.targetName} is a simulated target: adopt records a real account's state in a ledger; nothing was changed`, {
          hint: 'to load contents into a simulated target, use connectorops target import; for a ledger, adopt into a new target',
        });
      }
      const plan = await planAgainst(target, loaded, { allowReplace: false, env: options.env });
      const before = await target.read();
      if (before.state.connectors.size || before.state.connections.size) {
        throw new UserError(
          `target ${loaded.targetName} is not empty (${plural(before.state.connectors.size, 'connector')}, ${plural(before.state.connections.size, 'connection')}); nothing was adopted`,
          { hint: 'adopt records the state of a new ledger: name a new target' },
        );
      }
      const state = adoptedState(plan, options.authorized);
      // The mode first: init accepts only an empty target, and this one is empty until the import.
      if (!info.initialized) await target.initialize('ledger', null);
      await target.importSnapshot(stateToSnapshot(state));
      const secret = readSecrets(options.env);
      const unset = [...loaded.manifests.desired.connectors.values()].flatMap((c) =>
        Object.values(c.secrets)
          .filter((ref) => ref !== undefined && secret(ref.fromEnv) === undefined)
          .map((ref) => ref.fromEnv),
      );
      return {
        targetName: loaded.targetName,
        connectors: state.connectors.size,
        connections: state.connections.size,
        // An admin connection with one authorization per environment may be authorized in some only:
        // it is named with those it lacks (a user connection lacks nothing: its users authorize on first use).
        unauthorized: [...state.connections.values()].flatMap((c) => {
          const lacking = environmentsLacking(c, loaded.manifests.config.environments);
          return lacking.length ? [{ linkName: c.linkName, lacking: isAuthorized(c) ? lacking : [] }] : [];
        }),
        unsetSecrets: [...new Set(unset)],
      };
    } finally {
      await target.releaseLock(lock.id);
    }
  } finally {
    await target.close();
  }
}
