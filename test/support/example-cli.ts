/**
 * The real CLI on a copy of this project's example repository (its connectors/, connections/ and
 * connectorops.yaml, in a temp folder made afresh for each test): the end-to-end tests that walk a
 * person's way through it (rollout-finish, rollout-words) share it.
 */
import { spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { BIN, ensureBuilt, ROOT } from './dist.js';
import { tempDir } from './target.js';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExampleCli {
  /** The temp folder of the current test. */
  dir: () => string;
  /** Runs the CLI there; `input` is its stdin. */
  cli: (args: string[], env?: NodeJS.ProcessEnv, input?: string) => CliResult;
  /** Runs the CLI there and expects exit 0 (the failure message shows its output). */
  ok: (args: string[], env?: NodeJS.ProcessEnv) => CliResult;
}

/** Registers the hooks of a describe block (or file) that runs the CLI in a copy of the example repository; `env` is the default environment. */
export function useExampleRepository(prefix: string, env: NodeJS.ProcessEnv): ExampleCli {
  let tmp: ReturnType<typeof tempDir> | undefined;
  beforeAll(() => ensureBuilt());
  beforeEach(() => {
    tmp = tempDir(prefix);
    for (const entry of ['connectors', 'connections', 'connectorops.yaml']) cpSync(join(ROOT, entry), join(tmp.dir, entry), { recursive: true });
  });
  afterEach(() => tmp?.cleanup());
  const dir = () => {
    if (!tmp) throw new Error('useExampleRepository: dir() is for inside a test');
    return tmp.dir;
  };
  const cli = (args: string[], runEnv: NodeJS.ProcessEnv = env, input = ''): CliResult => {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir(), encoding: 'utf8', env: runEnv, input, timeout: 120_000 });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (args: string[], runEnv: NodeJS.ProcessEnv = env): CliResult => {
    const r = cli(args, runEnv);
    expect(r.code, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
    return r;
  };
  return { dir, cli, ok };
}
