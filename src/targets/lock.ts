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
    waitedMs: number,
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

/** `connectorops unlock <id> --target <name>`, quoted for a POSIX shell when needed. */
export function unlockCommand(id: string, target: string): string {
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
