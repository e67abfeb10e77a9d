/**
 * Secret values at apply time (S1, S2). A plan carries only references (`fromEnv`) and the
 * fingerprint seen when it was made; the values are read from the environment now, all of them
 * before anything is carried out, so that a missing variable never leaves a run half done.
 */
import { UserError } from '../errors.js';
import { actionSecrets, type PlannedAction } from '../model/actions.js';
import type { SecretName } from '../model/types.js';
import type { StateReader } from '../targets/target.js';
import { StalePlanError, type StaleReason } from './stale.js';
import { fingerprintsComparable } from '../model/fingerprint.js';
import { readSecrets } from '../model/own.js';
import { agree } from '../util/text.js';

type SecretValues = Partial<Record<SecretName, string>>;

export interface ResolvedSecrets {
  /** Per action id: the values to send. */
  values: Map<string, SecretValues>;
  /** Per environment variable: the target's fingerprint of its value now. */
  fingerprints: Map<string, string>;
  /** Every value, to scrub from error messages before they are shown (S2). */
  all: string[];
}

/**
 * Reads every secret the given actions send. Throws a UserError (S1) naming every missing
 * variable, and a StalePlanError naming every variable whose value changed since the plan
 * was made (its fingerprint differs). Never puts a value in a message (S2).
 */
export async function resolveSecrets(actions: readonly PlannedAction[], env: NodeJS.ProcessEnv, target: StateReader): Promise<ResolvedSecrets> {
  const missing = new Map<string, string[]>();
  const wanted = new Map<string, string>();
  const secret = readSecrets(env);
  for (const action of actions) {
    for (const [, ref] of actionSecrets(action)) {
      const value = secret(ref.fromEnv);
      if (value === undefined) {
        const who = missing.get(ref.fromEnv) ?? [];
        who.push(`${action.kind.toLowerCase()} '${action.linkName}'`);
        missing.set(ref.fromEnv, who);
      } else {
        wanted.set(ref.fromEnv, value);
      }
    }
  }
  if (missing.size) {
    const list = [...missing].map(([name, who]) => `${name} (for ${[...new Set(who)].join(', ')})`);
    throw new UserError(`${agree(missing.size, 'environment variable')} ${list.join(', ')} ${agree(missing.size, 'is', 'are')} not set; nothing was carried out`, {
      rule: 'S1',
      hint: 'secrets come only from the environment: export the variable (e.g. from your CI secret store) and run apply again',
    });
  }

  const names = [...wanted.keys()];
  const prints = names.length ? await target.fingerprintSecrets(names.map((n) => wanted.get(n)!)) : [];
  const fingerprints = new Map(names.map((n, i) => [n, prints[i]!]));

  const stale: StaleReason[] = [];
  const seen = new Set<string>();
  for (const action of actions) {
    for (const [, ref] of actionSecrets(action)) {
      if (ref.fingerprint === null || seen.has(ref.fromEnv)) continue;
      const now = fingerprints.get(ref.fromEnv);
      // A plan made before the target existed (plan reads an empty account, under a key of its
      // own) has fingerprints that say nothing under the target's key: not comparable, not stale.
      if (now !== undefined && !fingerprintsComparable(now, ref.fingerprint)) continue;
      if (now !== ref.fingerprint) {
        seen.add(ref.fromEnv);
        // Fingerprints are keyed hashes (S2): safe to show, but they say nothing to a person.
        stale.push({ what: 'secret', from: '(sensitive)', to: '(sensitive, changed)', message: `the value of ${ref.fromEnv} changed since the plan was made` });
      }
    }
  }
  if (stale.length) throw new StalePlanError(stale);

  const values = new Map<string, SecretValues>();
  for (const action of actions) {
    const v: SecretValues = {};
    for (const [name, ref] of actionSecrets(action)) v[name] = wanted.get(ref.fromEnv)!;
    values.set(action.id, v);
  }
  return { values, fingerprints, all: [...wanted.values()] };
}
