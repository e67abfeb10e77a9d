/**
 * A local target that a command creates on the way (apply on `local:.connectorops/local.db`, the
 * first time) and then carries nothing out on: a command that says "nothing was carried out" leaves
 * no file behind. Only a file (and the folders made for it) that did not exist before is removed,
 * and only while the target is still empty and uninitialized.
 */
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { StateReader } from './target.js';

interface NewLocalFile {
  path: string;
  /** The folders that did not exist either, innermost first. */
  folders: string[];
}

/** The local file `spec` names when it does not exist yet; null for any other target. */
export function newLocalFile(spec: string, cwd: string): NewLocalFile | null {
  if (!spec.startsWith('local:')) return null;
  const given = spec.slice('local:'.length);
  if (!given) return null;
  const path = isAbsolute(given) ? given : resolve(cwd, given);
  if (existsSync(path)) return null;
  const folders: string[] = [];
  for (let dir = dirname(path); !existsSync(dir) && dirname(dir) !== dir; dir = dirname(dir)) folders.push(dir);
  return { path, folders };
}

/** True when `target` holds nothing and was never initialized (nothing was recorded on it). */
export async function stillUnused(target: StateReader): Promise<boolean> {
  const [serial, info] = await Promise.all([target.serial(), target.info()]);
  return serial === 0 && !info.initialized;
}

/** Removes the file (with SQLite's companions) and the folders made for it, if they are empty. Call after closing it. */
export function removeNewLocalFile(created: NewLocalFile): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(created.path + suffix, { force: true });
  for (const dir of created.folders) {
    if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
  }
}
