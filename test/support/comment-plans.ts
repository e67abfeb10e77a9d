/** Plans and helpers shared by the PR comment body's tests (test/github/body.test.ts, test/slow/github/body-limits.test.ts). */
import type { Plan } from '../../src/model/plan.js';
import { connectorCreate, connectorSpec, makePlan } from './plans.js';

/** Everything but the marker line: the marker is the only HTML comment we write. */
export const visible = (body: string) => body.split('\n').slice(1).join('\n');

/** Thousands of new connectors (long detail), a few revocations and a blocked item. */
export function hugePlan(connectors = 200): Plan {
  return makePlan({
    actions: Array.from({ length: connectors }, (_, i) =>
      connectorCreate(`a${i + 1}`, `connector_${i}`, connectorSpec({ name: `Connector number ${i}`, description: 'A connector made to fill the detail of a plan' })),
    ),
    revokedAuthorizations: [
      { connection: 'crm_sales', connector: 'crm', environment: 'all', account: 'alice', cause: ['clientId'], rule: 'R5' },
      { connection: 'crm_ops', connector: 'crm', environment: 'all', account: 'carol', cause: ['clientSecret'], rule: 'R5' },
    ],
    blocked: [{ kind: 'Connection', linkName: 'crm_old', rule: 'R14', message: "connection 'crm_old' cannot be deleted while applications use it (R14)" }],
  });
}
