/** Creator's rules (docs/rules.md) as pure checks. The one place they live. */
export { nameProblem, descriptionProblem, linkNameProblem } from './names.js';
export { missingMandatory, revokingChanges } from './authentication.js';
export { transition, type Violation, type SecretFingerprints } from './transition.js';
export { checkState } from './state.js';
export { World, type Effects } from './world.js';
export { authorizationRefusal, canBeAuthorizedNow } from './authorize.js';

import type { Violation } from './transition.js';

/** `R9: delete connection 'crm_sales' before deleting connector 'crm'` */
export function formatViolation(v: Violation): string {
  return `${v.rule}: ${v.message}`;
}
