/**
 * Is an action's effect already there? Asked for actions whose journal entry is `pending`: the
 * run that started them stopped before it learnt the outcome. On the local target that cannot be
 * half done (the effect and the `done` entry commit together), but a target behind HTTP can have
 * committed the effect and lost the answer, so apply checks the real state every time rather than
 * trusting the target kind. Pure.
 */
import type { ActionBody } from '../model/actions.js';
import { canonicalJson } from '../model/canonical.js';
import type { ConnectorRecord, SecretName, State } from '../model/types.js';
import { sameSet } from '../util/sets.js';

/**
 * True when `state` already shows the effect of `action`. `secretFingerprints` are the target's
 * fingerprints of the secret values the action would send (by secret name); a secret counts as
 * in effect only when the target holds exactly that fingerprint.
 */
export function effectPresent(state: State, action: ActionBody, secretFingerprints: Partial<Record<SecretName, string>> = {}): boolean {
  const secretsMatch = (held: ConnectorRecord['secretFingerprints']) =>
    (Object.entries(secretFingerprints) as Array<[SecretName, string]>).every(([name, fp]) => held[name] === fp);

  switch (action.op) {
    case 'connector.create': {
      const c = state.connectors.get(action.linkName);
      return (
        !!c &&
        c.name === action.spec.name &&
        c.description === action.spec.description &&
        same(c.authentication, action.spec.authentication) &&
        secretsMatch(c.secretFingerprints)
      );
    }
    case 'connector.update': {
      const c = state.connectors.get(action.linkName);
      if (!c) return false;
      const s = action.set;
      return (
        (s.name === undefined || c.name === s.name) &&
        (s.description === undefined || c.description === s.description) &&
        (s.authentication === undefined || same(c.authentication, s.authentication)) &&
        secretsMatch(c.secretFingerprints)
      );
    }
    case 'connector.markReady':
      return state.connectors.get(action.linkName)?.stage === 'ready';
    case 'connector.enable':
      return state.connectors.get(action.linkName)?.enabled === true;
    case 'connector.disable':
      return state.connectors.get(action.linkName)?.enabled === false;
    case 'connector.delete':
      return !state.connectors.has(action.linkName);
    case 'connection.create': {
      const c = state.connections.get(action.linkName);
      return !!c && c.connector === action.spec.connector && c.name === action.spec.name && sameSet(c.scopes, action.spec.scopes);
    }
    case 'connection.update': {
      const c = state.connections.get(action.linkName);
      if (!c) return false;
      return (action.set.name === undefined || c.name === action.set.name) && (action.set.scopes === undefined || sameSet(c.scopes, action.set.scopes));
    }
    case 'connection.enable':
      return state.connections.get(action.linkName)?.enabled === true;
    case 'connection.disable':
      return state.connections.get(action.linkName)?.enabled === false;
    case 'connection.delete':
      return !state.connections.has(action.linkName);
  }
}

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
