/**
 * `connectorops.yaml`: named targets and the default one (README, "Targets"), and how a
 * `--target` flag becomes a concrete target spec.
 */
import { isAbsolute, resolve } from 'node:path';
import { UserError, type Diagnostic } from '../errors.js';
import { didYouMean } from '../util/text.js';
import { issuesToDiagnostics } from './zod-issues.js';
import { ConfigDoc } from './schema.js';
import { parseYamlFile } from './yaml.js';
import { ownValue, readSecrets } from '../model/own.js';
import type { Environment } from '../model/types.js';
import { DEFAULT_ENVIRONMENTS } from '../model/authorizations.js';
import { targetIdentity } from '../util/target-identity.js';
import { sanitizeTerminal } from '../util/terminal.js';
import { safeParse } from '../util/safe-parse.js';

export const CONFIG_FILE = 'connectorops.yaml';

/** The built-in default target, relative to the repo dir. */
const DEFAULT_TARGET = 'local:.connectorops/local.db';

interface TargetConfig {
  /**
   * `local:PATH`, `postgres://…`, `http://…` or `https://…` (a relative local path is relative to
   * the repo dir), or the environment variable that holds one (a URL kept in a CI secret).
   */
  url: string | { fromEnv: string };
}

export interface ProjectConfig {
  /** A name under `targets`, or a target spec. */
  defaultTarget?: string;
  targets: Record<string, TargetConfig>;
  /** `protect:` link-name glob patterns (P1): what a plan may never delete or replace. */
  protect: string[];
  /** `usages.from`: the files read for connection usages (docs/usages.md); absent: DEFAULT_USAGE_GLOBS. */
  usages?: { from: readonly string[] };
  /** `environments:` the account's Creator environments (default `[production]`: an account without environments). */
  environments: Environment[];
  /** `connectorops.yaml` when the file exists, else null. */
  file: string | null;
}

export function emptyConfig(): ProjectConfig {
  return { targets: {}, protect: [], environments: [...DEFAULT_ENVIRONMENTS], file: null };
}

/** Reads `connectorops.yaml`. Never throws: problems are diagnostics, and the config falls back to empty. */
export function parseConfig(file: string, text: string): { config: ProjectConfig; errors: Diagnostic[]; warnings: Diagnostic[] } {
  const parsed = parseYamlFile(file, text);
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  const warnings = parsed.diagnostics.filter((d) => d.severity === 'warning');
  const config: ProjectConfig = { ...emptyConfig(), file };
  const [doc, ...extra] = parsed.documents;
  for (const d of extra) errors.push({ ...d.start, severity: 'error', code: 'config', message: `${file} holds one YAML document, not several` });
  if (!doc || errors.length) return { config, errors, warnings };
  const value = doc.value === null ? {} : doc.value;
  const result = safeParse(ConfigDoc, value);
  if (!result.success) {
    errors.push(...issuesToDiagnostics(result.error.issues, doc, ConfigDoc));
    return { config, errors, warnings };
  }
  const { defaultTarget, targets = {}, protect = [], usages, environments = [...DEFAULT_ENVIRONMENTS] } = result.data;
  if (defaultTarget !== undefined && !isSpec(defaultTarget) && !Object.hasOwn(targets, defaultTarget)) {
    errors.push({
      ...doc.locate(['defaultTarget']),
      severity: 'error',
      code: 'config',
      message: `defaultTarget '${defaultTarget}' is neither a target under targets nor a target spec`,
      hint: configuredHint(targets),
    });
    return { config, errors, warnings };
  }
  return { config: { ...(defaultTarget !== undefined ? { defaultTarget } : {}), targets, protect, ...(usages ? { usages } : {}), environments, file }, errors, warnings };
}

function isSpec(s: string): boolean {
  return s.startsWith('local:') || s.startsWith('http://') || s.startsWith('https://') || /^postgres(ql)?:\/\//i.test(s);
}

function configuredHint(targets: Record<string, TargetConfig>): string {
  const names = Object.keys(targets).sort();
  return names.length
    ? `configured targets: ${names.join(', ')}; or give local:PATH, postgres://…, http://… or https://…`
    : `no targets are configured in ${CONFIG_FILE}; give local:PATH, postgres://…, http://… or https://…`;
}

/**
 * The target to use. `flag` is `--target` as typed: a configured name, or a spec. Without it,
 * the config's `defaultTarget` (a name or a spec), else `local:.connectorops/local.db`.
 * A relative local path is relative to `cwd` when typed on the command line, and relative to the
 * repo `dir` when it comes from the config or the default, so the same config works from any
 * directory. Local specs come back absolute (`local:/abs/path`); URLs as given.
 */
export function resolveTargetSpec(flag: string | undefined, config: ProjectConfig, dir: string, cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const repoDir = resolve(cwd, dir);
  if (flag !== undefined && flag.trim() !== flag) return resolveTargetSpec(flag.trim(), config, dir, cwd, env);
  if (flag !== undefined) {
    if (isSpec(flag)) return normalize(flag, cwd, '--target');
    const named = ownValue(config.targets, flag);
    if (named) return normalize(urlOf(named, flag, env), repoDir, `target '${flag}' in ${CONFIG_FILE}`);
    const guess = didYouMean(flag, Object.keys(config.targets));
    throw new UserError(`unknown target '${sanitizeTerminal(targetIdentity(flag))}'${guess ? `; ${guess}` : ''}`, { hint: configuredHint(config.targets) });
  }
  if (config.defaultTarget !== undefined) {
    const d = config.defaultTarget;
    if (isSpec(d)) return normalize(d, repoDir, `defaultTarget in ${CONFIG_FILE}`);
    const named = ownValue(config.targets, d);
    if (named) return normalize(urlOf(named, d, env), repoDir, `target '${d}' in ${CONFIG_FILE}`);
    throw new UserError(`defaultTarget '${d}' in ${CONFIG_FILE} names no configured target`, { hint: configuredHint(config.targets) });
  }
  return normalize(DEFAULT_TARGET, repoDir, 'the default target');
}

/** A resolved `--target`: the spec to open, and the name the user knows it by (for messages they can paste back). */
export interface ResolvedTarget {
  spec: string;
  name: string;
}

/**
 * The one way a `--target` flag (or its absence) becomes a target to open: the spec
 * (`resolveTargetSpec`), and its name, which is what the user typed, or the default they did not
 * need to type, with any password masked (util/target-identity.ts).
 */
export function resolveTarget(flag: string | undefined, config: ProjectConfig, dir: string, cwd: string, env: NodeJS.ProcessEnv = process.env): ResolvedTarget {
  const spec = resolveTargetSpec(flag, config, dir, cwd, env);
  return { spec, name: targetIdentity(flag ?? config.defaultTarget ?? DEFAULT_TARGET) };
}

/** A configured target's spec: as written, or read from its environment variable (never quoted back: it may hold a password). */
function urlOf(target: TargetConfig, name: string, env: NodeJS.ProcessEnv): string {
  if (typeof target.url === 'string') return target.url;
  const value = readSecrets(env)(target.url.fromEnv);
  if (!value) {
    throw new UserError(`target '${name}' in ${CONFIG_FILE} takes its URL from ${target.url.fromEnv}, which is not set`, {
      hint: `set ${target.url.fromEnv} to the target's URL (in CI: from a secret)`,
    });
  }
  if (!isSpec(value)) {
    throw new UserError(`target '${name}': ${target.url.fromEnv} does not hold a target spec`, {
      hint: 'a target is local:PATH, postgres://USER@HOST/DB?schema=NAME, http://HOST:PORT or https://…',
    });
  }
  return value;
}

function normalize(spec: string, base: string, what: string): string {
  if (spec.startsWith('local:')) {
    const path = spec.slice('local:'.length);
    if (path === '') throw new UserError(`${what}: local: needs a path, e.g. local:.connectorops/local.db`);
    return `local:${isAbsolute(path) ? resolve(path) : resolve(base, path)}`;
  }
  if (/^(https?|postgres(ql)?):\/\/[^/\s]+/i.test(spec)) return spec;
  throw new UserError(`${what}: '${sanitizeTerminal(targetIdentity(spec))}' is not a target spec`, {
    hint: 'a target is local:PATH, postgres://USER@HOST/DB?schema=NAME, http://HOST:PORT or https://…',
  });
}
