/**
 * The apply command in-process, for what needs a terminal (the approval prompt) or is about flags.
 */
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runApply } from '../../src/cli/commands/apply.js';
import { run as runUnlock } from '../../src/cli/commands/unlock.js';
import { openTarget } from '../../src/targets/index.js';
import { tempDir } from '../support/target.js';
import { SCENARIO_ENV, manifestsV1, memIo, writeManifests } from './support.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('apply-cmd-');
  writeManifests(tmp.dir, manifestsV1());
});
afterEach(() => tmp.cleanup());

const T = ['--target', 'local:acct.db'];

function terminal(answer: string): PassThrough & { isTTY: boolean } {
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  stdin.end(answer);
  return stdin;
}

async function serial(): Promise<number> {
  const t = await openTarget(`local:${join(tmp.dir, 'acct.db')}`);
  try {
    return (await t.read()).serial;
  } finally {
    await t.close();
  }
}

describe('apply on a terminal', () => {
  it("asks, and carries the plan out on 'yes'", async () => {
    const io = memIo(tmp.dir, SCENARIO_ENV, terminal('yes\n'));
    expect(await runApply(T, io, { handleSignals: false })).toBe(0);
    expect(io.out()).toContain("Do you want to perform these actions? Only 'yes' will be accepted: ");
    expect(io.out()).toContain('The target now matches the manifests.');
  });

  it("carries nothing out on anything but 'yes'", async () => {
    for (const answer of ['y\n', 'no\n', 'YES please\n', '']) {
      const io = memIo(tmp.dir, SCENARIO_ENV, terminal(answer));
      expect(await runApply(T, io, { handleSignals: false })).toBe(1);
      expect(io.out()).toContain('Apply cancelled: nothing was carried out.');
    }
    expect(await serial()).toBe(0);
  });
});

describe('apply flags', () => {
  it('refuses bad --concurrency and --lock-timeout values, and --allow-replace with a plan file', async () => {
    const io = memIo(tmp.dir, SCENARIO_ENV);
    await expect(runApply([...T, '--concurrency', '0'], io)).rejects.toThrow(/--concurrency takes a whole number from 1 to 64/);
    await expect(runApply([...T, '--concurrency', 'two'], io)).rejects.toThrow(/--concurrency/);
    await expect(runApply([...T, '--lock-timeout=-1'], io)).rejects.toThrow(/--lock-timeout takes a number of seconds/);
    await expect(runApply(['plan.json', '--allow-replace', ...T], io)).rejects.toThrow(/--allow-replace has no effect on a saved plan/);
    await expect(runApply(['a.json', 'b.json', ...T], io)).rejects.toThrow(/at most one PLANFILE/);
  });

  it('--dir points at the manifests, wherever apply runs from', async () => {
    const elsewhere = tempDir('apply-cwd-');
    try {
      const io = memIo(elsewhere.dir, SCENARIO_ENV);
      expect(
        await runApply(['--dir', tmp.dir, '--target', `local:${join(tmp.dir, 'acct.db')}`, '--auto-approve', '--concurrency', '3'], io, { handleSignals: false }),
      ).toBe(0);
      expect(await serial()).toBeGreaterThan(0);
    } finally {
      elsewhere.cleanup();
    }
  });

  it('prints its help', async () => {
    const io = memIo(tmp.dir, {});
    expect(await runApply(['--help'], io)).toBe(0);
    expect(io.out()).toContain('--lock-timeout SECS');
    expect(io.out()).toContain('Exit codes: 0 applied, and a new plan is empty');
  });
});

describe('unlock', () => {
  it('exits 0 when it released the lock and 1 when there is no such lock', async () => {
    const t = await openTarget(`local:${join(tmp.dir, 'acct.db')}`);
    const lock = await t.acquireLock({ holder: 'ci@runner', host: 'runner', pid: 1, operation: 'apply' });
    await t.close();
    const io = memIo(tmp.dir, {});
    expect(await runUnlock([lock.id, ...T], io)).toBe(0);
    expect(io.out()).toBe(`Released lock ${lock.id} of target local:acct.db.\n`);
    const io2 = memIo(tmp.dir, {});
    expect(await runUnlock([lock.id, ...T], io2)).toBe(1);
    expect(io2.err()).toContain(`holds no lock ${lock.id}`);
    await expect(runUnlock([...T], memIo(tmp.dir, {}))).rejects.toThrow(/needs the LOCKID/);
  });
});
