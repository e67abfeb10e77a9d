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
  const reason = refusalReason(state, connection);
  if (reason === null) return null;
  if (reason === 'missing') return { reason, message: `connection '${connection}' does not exist` };
  if (reason === 'connector-disabled') {
    const connector = state.connections.get(connection)!.connector;
    return {
      reason,
      rule: 'R11',
      message: `R11: connection '${connection}' cannot be authorized while its connector '${connector}' is disabled`,
      hint: `enable connector '${connector}' first`,
    };
  }
  return {
    reason,
    rule: 'R11',
    message: `R11: connection '${connection}' is disabled: enable it before authorizing it`,
    hint: `enable connection '${connection}' first`,
  };
}

/**
 * True when `connection` exists and can be authorized on `state` now (R11): authorizationRefusal's
 * decision without the refusal's words (the planner asks this of every unauthorized connection of
 * a 100k plan).
 */
export function canBeAuthorizedNow(state: Holding, connection: string): boolean {
  return refusalReason(state, connection) === null;
}

/** The decision itself: why `connection` cannot be authorized now (a disabled connector first), or null. */
function refusalReason(state: Holding, connection: string): AuthorizationRefusal['reason'] | null {
  const current = state.connections.get(connection);
  if (!current) return 'missing';
  const connector = state.connectors.get(current.connector);
  if (connector && !connector.enabled) return 'connector-disabled';
  return current.enabled ? null : 'disabled';
}
