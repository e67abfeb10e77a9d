/**
 * `--target T` → an open target, for every command that takes the flag. T is a name from
 * connectorops.yaml (read from `--dir`, default the current directory) or a spec; without it, the config's
 * defaultTarget, else `local:.connectorops/local.db` (manifest/config.ts `resolveTarget`, the one home of that resolution).
 */
import { resolve as resolvePath } from 'node:path';
import { UserError } from '../errors.js';
import { CONFIG_FILE, parseConfig, resolveTarget, type ProjectConfig } from '../manifest/config.js';
import { emptyConfig } from '../manifest/config.js';
import { readConfigText } from '../manifest/source.js';
import { openTarget } from '../targets/index.js';
import type { Target } from '../targets/target.js';
import type { Io } from './io.js';

/** The project config in `dir`, or an empty one when there is no connectorops.yaml. Errors throw. */
export async function readProjectConfig(dir: string): Promise<ProjectConfig> {
  const text = await readConfigText(dir);
  if (text === null) return emptyConfig();
  const { config, errors } = parseConfig(CONFIG_FILE, text);
  if (errors.length) throw new UserError(`${CONFIG_FILE} is not valid`, { diagnostics: errors });
  return config;
}

/**
 * Resolves and opens the target of a `--target` flag. The target's `name` is what the user
 * typed (or the default they did not need to type), so that messages such as the unlock
 * command can be pasted back as they are.
 */
export async function openTargetFlag(flag: string | undefined, io: Io, dir: string = io.cwd, options: { create?: boolean } = {}): Promise<Target> {
  const config = await readProjectConfig(dir);
  const { spec, name } = resolveTarget(flag, config, dir, io.cwd, io.env);
  return openTarget(spec, { name, cwd: io.cwd, env: io.env, create: options.create ?? false });
}

/**
 * Opens the target of `--target`/`--dir` (`--dir` as typed: where connectorops.yaml and the default
 * target are), runs `fn`, closes it. `create`: only `target import` and `target init` make a target
 * that does not exist yet; every other command needs one.
 */
export async function withTargetFlag<T>(
  values: { target?: string; dir?: string },
  io: Io,
  fn: (target: Target) => Promise<T>,
  options: { create?: boolean } = {},
): Promise<T> {
  const target = await openTargetFlag(values.target, io, resolvePath(io.cwd, values.dir ?? '.'), options);
  try {
    return await fn(target);
  } finally {
    await target.close();
  }
}
