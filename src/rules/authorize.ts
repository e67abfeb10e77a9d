/**
 * Whether a connection can be authorized now: the one place this is decided. The planner asks it
 * for `needsAuthorization` (and so for a rollout's authorize steps), the targets for `authorize`.
 * Creator shows the consent screen only for a connection that is enabled, of an enabled
 * connector (R11, R16: a disabled connection, or one of a disabled connector, cannot be used).
 */
import type { State } from '../model/types.js';

/** Why a connection cannot be authorized now; `missing` when it does not exist. */
export type AuthorizationRefusal = { reason: 'missing'; message: string } | { reason: 'connector-disabled' | 'disabled'; rule: 'R11'; message: string; hint: string };

type Holding = Pick<State, 'connectors' | 'connections'>;

/** Null when `connection` can be authorized on `state` now; else why not. */
export function authorizationRefusal(state: Holding, connection: string): AuthorizationRefusal | null {
  const current = state.connections.get(connection);
  if (!current) return { reason: 'missing', message: `connection '${connection}' does not exist` };
  const connector = state.connectors.get(current.connector);
  if (connector && !connector.enabled) {
    return {
      reason: 'connector-disabled',
      rule: 'R11',
      message: `R11: connection '${connection}' cannot be authorized while its connector '${connector.linkName}' is disabled`,
      hint: `enable connector '${connector.linkName}' first`,
    };
  }
  if (!current.enabled) {
    return {
      reason: 'disabled',
      rule: 'R11',
      message: `R11: connection '${connection}' is disabled: enable it before authorizing it`,
      hint: `enable connection '${connection}' first`,
    };
  }
  return null;
}

/**
 * True when `connection` exists and can be authorized on `state` now: exactly when
 * authorizationRefusal finds nothing (a property test holds the two together), without writing
 * the refusal's words (the planner asks this of every unauthorized connection of a 100k plan).
 */
export function canBeAuthorizedNow(state: Holding, connection: string): boolean {
  const current = state.connections.get(connection);
  if (!current || !current.enabled) return false;
  const connector = state.connectors.get(current.connector);
  return !connector || connector.enabled;
}
