/**
 * The planner's pure core: desired × current → an ordered, proven Plan (docs/planning.md).
 * Importing it loads no I/O. The edge the CLI and apply call is run.ts (`runPlan`,
 * `loadForPlan`, `planAgainst`); plan files live in src/planfile/ (`writePlanFile`, `readPlanFile`, `planId`).
 */
export { makePlan } from './make.js';
export { resourceKey, type PlanInput } from './input.js';
