/**
 * The CLI (in this process: ./in-process-cli.ts) on a copy of this project's example repository
 * (its connectors/, connections/ and connectorops.yaml, in a temp folder made afresh for each
 * test): the end-to-end tests that walk a person's way through it (rollout-finish, rollout-words)
 * share it.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { ROOT } from './dist.js';
import { runCli, type CliResult } from './in-process-cli.js';
import { tempDir } from './target.js';

export interface ExampleCli {
  /** The temp folder of the current test. */
  dir: () => string;
  /** Runs the CLI there; `input` is its stdin. */
  cli: (args: string[], env?: NodeJS.ProcessEnv, input?: string) => Promise<CliResult>;
  /** Runs the CLI there and expects exit 0 (the failure message shows its output). */
  ok: (args: string[], env?: NodeJS.ProcessEnv) => Promise<CliResult>;
}

/** Registers the hooks of a describe block (or file) that runs the CLI in a copy of the example repository; `env` is the default environment. */
export function useExampleRepository(prefix: string, env: NodeJS.ProcessEnv): ExampleCli {
  let tmp: ReturnType<typeof tempDir> | undefined;
  beforeEach(() => {
    tmp = tempDir(prefix);
    for (const entry of ['connectors', 'connections', 'connectorops.yaml']) cpSync(join(ROOT, entry), join(tmp.dir, entry), { recursive: true });
  });
  afterEach(() => tmp?.cleanup());
  const dir = () => {
    if (!tmp) throw new Error('useExampleRepository: dir() is for inside a test');
    return tmp.dir;
  };
  const cli = (args: string[], runEnv: NodeJS.ProcessEnv = env, input = ''): Promise<CliResult> => runCli(args, { cwd: dir(), env: runEnv, input });
  const ok = async (args: string[], runEnv: NodeJS.ProcessEnv = env): Promise<CliResult> => {
    const r = await cli(args, runEnv);
    expect(r.code, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
    return r;
  };
  return { dir, cli, ok };
}
