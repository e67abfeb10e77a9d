/**
 * `target adopt`: bringing an account whose connectors already exist in Creator under Git. The
 * manifests' state becomes the ledger's current state, as if a plan against an empty account had
 * been carried out (same `transition`, same rules), with the secrets' fingerprints from the
 * environment, and connections unauthorized unless the person attests who authorized them.
 */
import { UserError } from '../errors.js';
import { byString, didYouMean } from '../util/text.js';
import type { Plan } from '../model/plan.js';
import type { AuthorizationEnvironment, ConnectionRecord, Environment, State } from '../model/types.js';
import { authorizationSlot, withAuthorization } from '../model/authorizations.js';
import { formatViolation, simulatedFingerprints, transition, World } from '../rules/index.js';

/** One `--authorized LINK=ACCOUNT` or `LINK@ENV=ACCOUNT` (cli/arguments/target.ts parses them). */
export interface AuthorizedConnection {
  link: string;
  environment?: Environment;
  account: string;
}

/** What decides where a connection's authorization goes (a manifest's connection, or the adopted one). */
type Slotted = Pick<ConnectionRecord, 'linkName' | 'authorizationOwner' | 'sameAuthorizationForAllEnvironments'>;

/**
 * An authorization for a connection that `connections` (the manifests') do not hold, or that
 * does not fit it (no environment for one with separate authorizations, any for a logged-in user
 * connection), is a UserError: nothing is adopted. Checked before the target is opened, so that
 * a refused adopt creates nothing.
 */
export function checkAuthorizedNames(authorized: readonly AuthorizedConnection[], connections: ReadonlyMap<string, Slotted>): void {
  for (const { link, environment } of authorized) {
    const connection = connections.get(link);
    if (connection) {
      slotOf(connection, link, environment);
      continue;
    }
    const guess = didYouMean(link, [...connections.keys()]);
    throw new UserError(`--authorized ${link}=…: the manifests define no connection '${link}'; nothing was recorded`, {
      hint: `${guess ? `${guess} ` : ''}the connections are ${[...connections.keys()].sort(byString).join(', ') || '(none)'}`,
    });
  }
}

/** Where `--authorized LINK[@ENV]=…` goes on `connection`, or a UserError saying what to give instead. */
function slotOf(connection: Slotted, link: string, environment: Environment | undefined): { environment: AuthorizationEnvironment } {
  const slot = authorizationSlot(connection, environment !== undefined ? { environment } : {});
  if (slot.ok) return slot;
  throw new UserError(`--authorized ${link}${environment ? `@${environment}` : ''}=…: ${slot.message}; nothing was recorded`, {
    hint:
      slot.needs === 'environment'
        ? `give one --authorized ${link}@ENV=ACCOUNT per environment`
        : 'users record their own authorizations: connectorops target authorize LINK --user LOGIN',
  });
}

/**
 * The state `plan` (made against an empty target) leads to, with `authorized` connections
 * authorized by the account given. A plan that is blocked or breaks a rule, and an authorization
 * for a connection the manifests do not define, are UserErrors: nothing is adopted.
 */
export function adoptedState(plan: Plan, authorized: readonly AuthorizedConnection[]): State {
  if (plan.blocked.length) {
    throw new UserError(`the manifests cannot be adopted: ${plan.blocked.map((b) => `${b.rule}: ${b.message}`).join('; ')}; nothing was recorded`);
  }
  const world = new World({ connectors: new Map(), connections: new Map() });
  for (const action of plan.actions) {
    // An unset secret gets the planner's placeholder (so that R2a sees it set), dropped below.
    const result = transition(world, action, simulatedFingerprints(action));
    if (!result.ok) throw new UserError(`the manifests cannot be adopted: ${result.violations.map(formatViolation).join('; ')}; nothing was recorded`);
    world.apply(result.effects);
  }
  for (const [link, c] of world.state.connectors) {
    const recorded = Object.entries(c.secretFingerprints ?? {}).filter(([, fp]) => fp !== undefined && !fp.startsWith('unset:'));
    world.state.connectors.set(link, { ...c, secretFingerprints: Object.fromEntries(recorded) });
  }
  checkAuthorizedNames(authorized, world.state.connections);
  for (const { link, environment, account } of authorized) {
    const slot = slotOf(world.connection(link)!, link, environment);
    world.state.connections.set(link, withAuthorization(world.state.connections.get(link)!, { environment: slot.environment, account }));
  }
  return world.state;
}
