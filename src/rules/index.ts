/** Creator's rules (docs/rules.md) as pure checks. The one place they live. */
export { nameProblem, descriptionProblem, linkNameProblem } from './names.js';
export { missingMandatory, revokingChanges } from './authentication.js';
export { transition, type Violation, type SecretFingerprints } from './transition.js';
export { checkState } from './state.js';
export { World, type Effects } from './world.js';
export { authorizationRefusal, canBeAuthorizedNow } from './authorize.js';

import type { ActionBody } from '../model/actions.js';
import { actionSecrets } from '../model/actions.js';
import type { SecretFingerprints, Violation } from './transition.js';

/** `R9: delete connection 'crm_sales' before deleting connector 'crm'` */
export function formatViolation(v: Violation): string {
  return `${v.rule}: ${v.message}`;
}

/**
 * The fingerprints an action's secrets will have. A secret whose env var was unset at plan time
 * gets a placeholder that stands for "whatever apply finds", so that R2a sees it present.
 */
export function simulatedFingerprints(action: ActionBody): SecretFingerprints {
  const out: SecretFingerprints = {};
  for (const [name, s] of actionSecrets(action)) out[name] = s.fingerprint ?? `unset:${s.fromEnv}`;
  return out;
}
