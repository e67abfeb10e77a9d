/**
 * The target lock, as every kind of target reports it: who holds it, since when, for what, and
 * the exact command that releases it when its holder is gone.
 */
import { hostname, userInfo } from 'node:os';
import { UserError } from '../errors.js';
import type { LockInfo, LockRequest } from './target.js';

/**
 * Thrown by `acquireLock` when another run holds the lock past the timeout. A UserError (exit 1):
 * the fix is to wait, or to release a lock whose run is dead with the command in the hint.
 */
export class LockHeldError extends UserError {
  override name = 'LockHeldError';
  constructor(
    /** The lock as it was held when we gave up. */
    readonly lock: LockInfo,
    /** The target, as the user names it on the command line. */
    readonly target: string,
    /** How long we waited for it (0: we did not wait). */
    readonly waitedMs: number,
  ) {
    super(
      `target ${target} is locked by ${lock.holder} (pid ${lock.pid}) since ${lock.startedAt}, for ${lock.operation} (lock ${lock.id})` +
        (waitedMs > 0 ? `; waited ${formatSeconds(waitedMs)}` : ''),
      {
        hint: `wait for that run to finish, or, if it is dead, release the lock with: ${unlockCommand(lock.id, target)}`,
      },
    );
  }
}

/** How often a held lock is tried again while we wait for it. */
const LOCK_POLL_MS = 200;

/**
 * The one lock-wait loop: calls `attempt` (which throws LockHeldError while the lock is held)
 * until it returns, for up to `timeoutMs` in all, pausing `pollMs` between tries (0: `attempt`
 * waits itself, as an HTTP lock request does on the server). An aborted `signal` ends the wait
 * early. When the lock stays held, throws a LockHeldError naming `target` and how long we waited.
 */
export async function waitForLock<T>(
  attempt: (remainingMs: number) => T | Promise<T>,
  options: { timeoutMs: number; target: string; pollMs?: number; signal?: AbortSignal },
): Promise<T> {
  const { timeoutMs, target, pollMs = LOCK_POLL_MS, signal } = options;
  const started = Date.now();
  for (;;) {
    try {
      return await attempt(Math.max(0, timeoutMs - (Date.now() - started)));
    } catch (error) {
      if (!(error instanceof LockHeldError)) throw error;
      const waited = Date.now() - started;
      if (waited >= timeoutMs || signal?.aborted) throw new LockHeldError(error.lock, target, timeoutMs > 0 ? waited : 0);
      // A real wait: the holder is another live process, and only time frees the lock.
      if (pollMs > 0) await pause(Math.min(pollMs, timeoutMs - waited), signal);
    }
  }
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** `connectorops unlock <id> --target <name>`, quoted for a POSIX shell when needed. */
function unlockCommand(id: string, target: string): string {
  return `connectorops unlock ${id} --target ${shellQuote(target)}`;
}

/** A lock request for this process: `user@host`, this pid. */
export function lockRequest(operation: string): LockRequest {
  const host = hostname();
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the host and pid still identify the holder.
  }
  return { holder: `${user}@${host}`, host, pid: process.pid, operation };
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return s < 10 ? `${s.toFixed(1)}s` : `${Math.round(s)}s`;
}

function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
