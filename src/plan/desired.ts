/**
 * The planner's precondition: the desired state is itself a state Creator allows. The manifest
 * loader checks this with positions (src/manifest/checks.ts). The planner, a library entry of its
 * own, checks it with the rules/ invariants when a plan fails, so that a plan towards an
 * impossible state is reported as the input's fault (UserError), not as a bug in the planner.
 */
import { UserError, type Diagnostic } from '../errors.js';
import type { DesiredState, SecretName, State } from '../model/types.js';
import { checkState, missingMandatory } from '../rules/index.js';
import { plural } from '../util/text.js';

// Shared by every connection of the check's state: checkState only reads them.
const NO_USAGES: never[] = [];
const NO_AUTHORIZATIONS: never[] = [];

/** Throws a UserError, with a diagnostic per problem, unless `desired` satisfies every invariant. */
export function checkDesired(desired: DesiredState): void {
  const state: State = { connectors: new Map(), connections: new Map() };
  const diagnostics: Diagnostic[] = [];
  for (const [key, c] of desired.connectors) {
    const refs = Object.keys(c.secrets) as SecretName[];
    state.connectors.set(key, {
      linkName: c.linkName,
      name: c.name,
      description: c.description,
      stage: c.stage,
      enabled: c.enabled,
      authentication: c.authentication,
      // Only presence matters to the invariants.
      secretFingerprints: Object.fromEntries(refs.map((r) => [r, 'ref'])),
    });
    if (c.stage === 'ready') {
      // R2a with the secrets the manifest names (checkState cannot know them).
      const missing = missingMandatory(c.authentication, new Set(refs));
      if (missing.length)
        diagnostics.push({ ...c.source, severity: 'error', code: 'R2', message: `ready connector '${c.linkName}' lacks mandatory parameters: ${missing.join(', ')}` });
    }
  }
  for (const [key, c] of desired.connections) {
    state.connections.set(key, {
      linkName: c.linkName,
      name: c.name,
      connector: c.connector,
      enabled: c.enabled,
      scopes: c.scopes,
      authorizationOwner: c.authorizationOwner,
      sameAuthorizationForAllEnvironments: c.sameAuthorizationForAllEnvironments,
      authorizations: NO_AUTHORIZATIONS,
      usages: NO_USAGES,
    });
  }
  for (const v of checkState(state)) {
    // checkState already covered R2 with every secret assumed present; the check above is sharper.
    if (v.rule === 'R2') continue;
    const at = v.kind === 'Connector' ? desired.connectors.get(v.linkName)?.source : desired.connections.get(v.linkName)?.source;
    diagnostics.push({ ...(at ?? { file: '(manifests)', line: 1, col: 1 }), severity: 'error', code: v.rule, message: v.message, ...(v.hint ? { hint: v.hint } : {}) });
  }
  if (diagnostics.length) {
    throw new UserError(`the manifests describe a state that Creator does not allow (${plural(diagnostics.length, 'problem')})`, {
      diagnostics,
      hint: 'run connectorops validate for the details',
    });
  }
}
