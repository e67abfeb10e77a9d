/**
 * The CLI in this process: `main(argv, io)`, the function bin/connectorops.js calls, with its
 * streams captured, its stdin given, and its working folder and environment explicit. Behaviour
 * tests run here (a child process costs a Node start and a bundle load per command, most of an
 * end-to-end file's time); the real binary keeps its own few tests (canary, signals, package, the
 * terminal, exit codes of a killed process).
 */
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { memIo } from '../apply/support.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRun {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** stdin's text (empty, and not a terminal, by default). */
  input?: string;
}

export async function runCli(args: string[], { cwd, env, input = '' }: CliRun): Promise<CliResult> {
  const io = memIo(cwd, env, Readable.from(input === '' ? [] : [Buffer.from(input)]));
  const code = await main(args, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

/**
 * `support/repo.ts`'s `cli`, in this process: in `cwd` (default: the system's temp folder), with
 * this process's environment, NO_COLOR, and `env` over them.
 */
export function cli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliResult> {
  return runCli(args, { cwd: opts.cwd ?? tmpdir(), env: { ...process.env, NO_COLOR: '1', ...opts.env }, input: opts.input ?? '' });
}
