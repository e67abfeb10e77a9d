/** The target lock between real processes: held, waited for, taken over from the dead, forced. */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LockHeldError } from '../../../src/targets/lock.js';
import { LocalTarget } from '../../../src/targets/local/local-target.js';
import { killHard, startChild, type Child } from '../../support/child.js';
import { ensureBuilt, ROOT } from '../../support/dist.js';
import { tempDir } from '../../support/target.js';

const HOLDER = join(ROOT, 'test/fixtures/targets/hold-lock.mjs');
const me = () => ({ holder: `parent@${hostname()}`, host: hostname(), pid: process.pid, operation: 'apply' });

let tmp: ReturnType<typeof tempDir>;
let target: LocalTarget;
let child: Child | null = null;
let path: string;

beforeAll(() => ensureBuilt());
beforeEach(() => {
  tmp = tempDir();
  path = join(tmp.dir, 'local.db');
  target = LocalTarget.open(path, { name: 'local:prod.db' });
});
afterEach(async () => {
  if (child && child.process.exitCode === null && child.process.signalCode === null) await killHard(child);
  child = null;
  await target.close();
  tmp.cleanup();
});

async function childHolding(operation = 'apply'): Promise<{ id: string; pid: number; holder: string; startedAt: string }> {
  child = startChild(HOLDER, [path, operation]);
  return JSON.parse(await child.waitFor((l) => l.startsWith('{')));
}

describe('the lock', () => {
  it('held by a live process: LockHeldError names the holder, since when, for what, and the exact unlock command', async () => {
    const held = await childHolding('apply');
    const error = await target.acquireLock(me(), { timeoutMs: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockHeldError);
    const e = error as LockHeldError;
    expect(e.lock).toMatchObject({ id: held.id, pid: held.pid, holder: held.holder, operation: 'apply' });
    expect(e.message).toBe(`target local:prod.db is locked by ${held.holder} (pid ${held.pid}) since ${held.startedAt}, for apply (lock ${held.id})`);
    expect(e.details.hint).toBe(`wait for that run to finish, or, if it is dead, release the lock with: connectorops unlock ${held.id} --target local:prod.db`);
    expect(held.id).toMatch(/^[0-9a-f]{8}$/);
  });

  it('waits up to the timeout and then gives up, saying how long it waited', async () => {
    await childHolding();
    const e = (await target.acquireLock(me(), { timeoutMs: 600 }).catch((x: unknown) => x)) as LockHeldError;
    expect(e).toBeInstanceOf(LockHeldError);
    expect(e.message).toMatch(/; waited \d+\.\ds$/);
  });

  it('gets the lock as soon as the holder releases it while we wait', async () => {
    const held = await childHolding();
    const waiting = target.acquireLock(me(), { timeoutMs: 30_000 });
    child!.process.stdin.write('release\n');
    await child!.waitFor((l) => l === 'released');
    const lock = await waiting;
    expect(lock.id).not.toBe(held.id);
    expect(lock.tookOverFrom).toBeUndefined();
    expect(lock.pid).toBe(process.pid);
  });

  it('takes over a lock whose holder died on this machine, and says from whom', async () => {
    const held = await childHolding();
    await killHard(child!);
    const lock = await target.acquireLock(me(), { timeoutMs: 0 });
    expect(lock.tookOverFrom).toMatchObject({ id: held.id, pid: held.pid, holder: held.holder });
    expect((await target.currentLock())?.id).toBe(lock.id);
  });

  it('never takes over a lock held on another host, even with a pid that is not running here', async () => {
    const other = LocalTarget.open(path);
    await other.acquireLock({ holder: 'ci@elsewhere', host: 'elsewhere.example', pid: 2 ** 22 + 12345, operation: 'apply' });
    await other.close();
    await expect(target.acquireLock(me(), { timeoutMs: 0 })).rejects.toThrow(/locked by ci@elsewhere/);
  });

  it('never takes over a lock whose pid is no process id (edited by hand): negative, zero, past the range', async () => {
    // kill(-n, 0) asks after a process group, and none by that number: the lock was taken over.
    for (const pid of [-5, 0, 2 ** 40]) {
      const other = LocalTarget.open(path);
      const held = await other.acquireLock({ holder: 'ops@here', host: hostname(), pid, operation: 'apply' });
      await other.close();
      await expect(target.acquireLock(me(), { timeoutMs: 0 }), String(pid)).rejects.toThrow(/locked by ops@here/);
      expect(await target.forceUnlock(held.id)).toBe(true);
    }
  });

  it('forceUnlock releases a lock by id whoever holds it; an unknown id is false', async () => {
    const held = await childHolding();
    expect(await target.forceUnlock('deadbeef')).toBe(false);
    expect(await target.forceUnlock(held.id)).toBe(true);
    expect(await target.currentLock()).toBeNull();
    const lock = await target.acquireLock(me(), { timeoutMs: 0 });
    expect(lock.tookOverFrom).toBeUndefined();
    // releaseLock only releases our own id.
    await target.releaseLock(held.id);
    expect((await target.currentLock())?.id).toBe(lock.id);
    await target.releaseLock(lock.id);
    expect(await target.currentLock()).toBeNull();
  });

  it('within one process, a second acquire is refused (the holder is alive: it is us)', async () => {
    await target.acquireLock(me());
    await expect(target.acquireLock(me(), { timeoutMs: 0 })).rejects.toBeInstanceOf(LockHeldError);
  });
});
