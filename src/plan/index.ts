/**
 * The planner: desired × current → an ordered, proven Plan (docs/planning.md).
 * `makePlan` is the pure core; run.ts is the I/O edge the CLI and apply call; file.ts reads and
 * writes plan files.
 */
export { makePlan } from './make.js';
export { resourceKey, type PlanInput } from './input.js';
export { changedResources } from './scope.js';
export { simulatedFingerprints } from './proof.js';
