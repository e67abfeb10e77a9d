/**
 * The library API (docs/library.md): `import { … } from 'connectorops'`. What is exported here is
 * the contract; the CLI is built on the same functions. knip checks that nothing else is exported
 * from the package.
 */

// Manifests: load and validate, from the working tree or a git ref.
export { loadManifests, type LoadedManifests, type LoadOptions as LoadManifestsOptions } from './manifest/load.js';
export { formatDiagnostic, InternalError, TargetError, UserError, type Diagnostic } from './errors.js';

// Targets: open one by spec (local:PATH, postgres://…, http(s)://…).
export { openTarget, type OpenTargetOptions, type RetryEvent } from './targets/index.js';
export type { JournaledExecutor, JournalReader, RolloutStore, StatePersister, StateReader, StateSnapshot, Target, TargetInfo, TargetLocker } from './targets/target.js';

// Plans: make one, render it in each format, read and write plan files.
export { runPlan, type PlanRun, type RunPlanOptions } from './plan/run.js';
export { renderPlan, RENDER_FORMATS, type RenderFormat, type RenderOptions } from './render/render-plan.js';
export { readPlanFile, writePlanFile } from './planfile/file.js';
export { parsePlan, planId } from './model/plan-document.js';
export type { Plan } from './model/plan.js';
export type { PlannedAction } from './model/actions.js';

// Apply: carry a plan out, with events.
export { applyWorkflow as apply, type ApplyOptions, type ApplyResult, type ApplyWorkflowEvent } from './apply/workflow.js';
export type { ApplyEvent, ExecutionResult } from './apply/executor.js';

// Rollouts: read the open one and advance it.
export { openRolloutOf, recordDone, type DoneOptions, type DoneResult, type RolloutRecorder } from './rollout/run.js';
export { progressOf, readySteps, remainingSteps, statusOf, type Rollout, type RolloutStep, type RolloutProgress, type StepStatus } from './rollout/model.js';
