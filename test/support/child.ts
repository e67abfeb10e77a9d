/** A real child process whose stdout we wait on line by line (never on time). */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface Child {
  process: ChildProcessWithoutNullStreams;
  lines: string[];
  /** Resolves with the first line (seen or to come) that matches; rejects if the child exits first. */
  waitFor(match: (line: string) => boolean): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** `stderrLines`: stderr's lines count as lines too (the CLI reports progress on stderr). */
export function startChild(script: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; stderrLines?: boolean } = {}): Child {
  const { stderrLines = false, ...spawnOptions } = options;
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'], ...spawnOptions });
  const lines: string[] = [];
  let err = '';
  let buffer = '';
  const waiters: { match: (l: string) => boolean; resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  let errBuffer = '';
  const take = (text: string): string => {
    let rest = text;
    let i;
    while ((i = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, i);
      rest = rest.slice(i + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.match(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
    return rest;
  };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffer = take(buffer + chunk);
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c: string) => {
    err += c;
    if (stderrLines) errBuffer = take(errBuffer + c);
  });
  // 'close', not 'exit': Node emits 'exit' when the process ends, which can be before the rest of
  // its stdout is read from the pipe; a test that read the last line after `exited` then found an
  // earlier one (local-create.test.ts once took the reader's "ready" for its report, under load).
  // 'close' comes once the child's stdio streams have ended too (no child of ours hands its pipes
  // on to a process that outlives it).
  let closed = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      closed = true;
      resolve({ code, signal });
    }),
  );
  void exited.then(({ code, signal }) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`child exited (code ${code}, signal ${signal}) before the expected output; stderr:\n${err}`));
  });
  return {
    process: child,
    lines,
    exited,
    stderr: () => err,
    waitFor(match) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      if (closed) return Promise.reject(new Error(`child already exited; stderr:\n${err}`));
      return new Promise((resolve, reject) => waiters.push({ match, resolve, reject }));
    },
  };
}

/** SIGKILL, and wait until the process is gone. */
export async function killHard(child: Child): Promise<void> {
  child.process.kill('SIGKILL');
  await child.exited;
}
