/**
 * Taking the target's lock for an apply (docs/apply.md, "Lock"): at once, or waiting up to
 * `--lock-timeout`, and saying so when a dead holder's lock is taken over.
 */
import { LockHeldError, lockRequest } from '../targets/lock.js';
import type { LockInfo, TargetLocker } from '../targets/target.js';

export interface TakeLockOptions {
  /** `--lock-timeout` in seconds; undefined or 0: fail at once when the lock is held. */
  timeoutSeconds?: number;
  /** Where to say that we wait, or that we took over a dead holder's lock. */
  log: (line: string) => void;
  operation?: string;
}

/**
 * Takes the lock for this process. Throws the target's LockHeldError (who holds it, since when,
 * and the exact `connectorops unlock` command) when it stays held.
 */
export async function takeLock(target: TargetLocker, options: TakeLockOptions): Promise<LockInfo> {
  const request = lockRequest(options.operation ?? 'apply');
  let got: LockInfo & { tookOverFrom?: LockInfo };
  try {
    got = await target.acquireLock(request, { timeoutMs: 0 });
  } catch (error) {
    const timeoutMs = Math.round((options.timeoutSeconds ?? 0) * 1000);
    if (!(error instanceof LockHeldError) || timeoutMs <= 0) throw error;
    const held = error.lock;
    options.log(
      `Waiting up to ${options.timeoutSeconds}s for the lock of ${target.name}: held by ${held.holder} (pid ${held.pid}) for ${held.operation} since ${held.startedAt} (lock ${held.id}).`,
    );
    got = await target.acquireLock(request, { timeoutMs });
  }
  if (got.tookOverFrom) {
    const old = got.tookOverFrom;
    options.log(
      `Took over lock ${old.id} of ${target.name} from ${old.holder} (pid ${old.pid}, ${old.operation} since ${old.startedAt}): that process is no longer running. New lock: ${got.id}.`,
    );
  }
  const { tookOverFrom: _, ...info } = got;
  return info;
}
