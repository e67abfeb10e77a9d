/**
 * How the planner compares values, in one place, so that the diff and the proof agree on what
 * "equal" means (docs/planning.md, "What counts as a change").
 *
 * - Scopes (a connector's OAuth2 scopes, a connection's scopes) are sets: Creator keeps them as a
 *   list, but a scope is granted or not, so reordering them in a manifest is no change.
 * - apiKey parameters are a list: their order is the order Creator asks for them in.
 * - Absent optional parameters and `undefined` are the same thing.
 */
import { AUTH_PARAMETERS, authParameter, type Authentication } from '../model/types.js';
import { sameSet } from '../util/sets.js';

/** Scopes of `after` that `before` lacks, in `after`'s order. */
export function addedScopes(before: readonly string[], after: readonly string[]): string[] {
  const had = new Set(before);
  return after.filter((s) => !had.has(s));
}

export function scopesOf(auth: Authentication): string[] {
  return auth.type === 'oauth2' ? auth.scopes : [];
}

/** Whether apiKey parameters need indexed paths to be told apart (more than one on a side). */
export function needsIndexedParameters(a: Authentication | null, b: Authentication | null): boolean {
  const count = (x: Authentication | null) => (x?.type === 'apiKey' ? x.parameters.length : 0);
  return count(a) > 1 || count(b) > 1;
}

/** Field values compare by value; `scopes` paths compare as sets. */
export function sameValue(path: string, a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (path.endsWith('scopes')) return sameSet(a as string[], b as string[]);
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  return a === b;
}

/**
 * Whether two authentications are the same under the rules above. Field by field rather than
 * through `flattenAuthentication`, because the diff and the proof call it for every connector.
 */
export function sameAuthentication(a: Authentication, b: Authentication): boolean {
  switch (a.type) {
    case 'basic':
      return b.type === 'basic';
    case 'apiKey':
      return (
        b.type === 'apiKey' &&
        a.parameters.length === b.parameters.length &&
        a.parameters.every((p, i) => {
          const q = b.parameters[i]!;
          return p.parameterKey === q.parameterKey && p.displayName === q.displayName && p.addTo === q.addTo;
        })
      );
    default:
      return (
        b.type === a.type &&
        AUTH_PARAMETERS[a.type].every((key) => (key === 'scopes' ? sameSet(scopesOf(a), scopesOf(b)) : authParameter(a, key) === authParameter(b, key)))
      );
  }
}
