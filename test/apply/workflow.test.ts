/**
 * The apply workflow called as a function (apply/workflow.ts), as the CLI and the library call
 * it: typed options, a typed result, and its events in the order things happen. A real SQLite
 * target in a temp folder, real manifests.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyWorkflow, type ApplyWorkflowEvent } from '../../src/apply/workflow.js';
import { UserError } from '../../src/errors.js';
import { openTarget } from '../../src/targets/index.js';
import { tempDir } from '../support/target.js';
import { SCENARIO_ENV, manifestsV1, writeManifests } from './support.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('apply-workflow-');
  writeManifests(tmp.dir, manifestsV1());
});
afterEach(() => tmp.cleanup());

const base = () => ({ cwd: tmp.dir, env: SCENARIO_ENV, target: 'local:acct.db', actor: 'tester' });

describe('applyWorkflow', () => {
  it('carries a fresh plan out: locked, the plan shown, started, one done per action, finished; the target converges', async () => {
    const events: ApplyWorkflowEvent[] = [];
    const result = await applyWorkflow({ ...base(), autoApprove: true, onEvent: (e) => events.push(e) });
    expect(result.kind).toBe('executed');
    if (result.kind !== 'executed') return;
    expect(result.unconverged).toEqual([]);
    expect(result.execution.failed).toEqual([]);
    const kinds = events.map((e) => e.type).filter((t) => t !== 'start');
    const actions = result.plan.actions.length;
    expect(actions).toBeGreaterThan(0);
    expect(kinds).toEqual(['locked', 'plan', 'started', ...Array<string>(actions).fill('done'), 'finished']);
    expect(events.at(-1)).toEqual({ type: 'finished', result });
    // Run again: nothing to do, and the lock was released.
    expect(await applyWorkflow({ ...base(), autoApprove: true })).toEqual({ kind: 'nothing-to-do', saved: false, unconverged: [] });
  });

  it('asks through confirm, and carries nothing out when it answers no', async () => {
    let asked = 0;
    const result = await applyWorkflow({ ...base(), confirm: async () => (asked++, false) });
    expect(result).toEqual({ kind: 'declined' });
    expect(asked).toBe(1);
    const t = await openTarget(`local:${join(tmp.dir, 'acct.db')}`);
    try {
      expect((await t.read()).serial).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('refuses a fresh plan without autoApprove or confirm, with a hint, before carrying anything out', async () => {
    const error = await applyWorkflow(base()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe('apply needs approval, and there is no terminal to ask on; nothing was carried out');
  });

  it('stops before carrying anything out when its signal is aborted', async () => {
    const abort = new AbortController();
    abort.abort();
    expect(await applyWorkflow({ ...base(), autoApprove: true, signal: abort.signal })).toEqual({ kind: 'interrupted' });
  });
});
