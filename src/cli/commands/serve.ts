/**
 * `connectorops serve --target T [--host 127.0.0.1] [--port N]`: serves a target (normally a
 * local one) over HTTP for `--target http://HOST:PORT` elsewhere (docs/targets.md, "The HTTP
 * target"). Requests need `Authorization: Bearer $CONNECTOROPS_TOKEN`; without a token set, the
 * command refuses to start. Runs until SIGINT or SIGTERM, then closes the server and the target
 * and exits 0.
 */
import { UserError } from '../../errors.js';
import { TOKEN_ENV, tokenProblem } from '../../targets/http/protocol.js';
import { startServer } from '../../targets/http/server.js';
import { isHelp, printUsage } from '../args.js';
import { DEFAULT_PORT, parseServeArgs } from '../arguments/serve.js';
import type { Io } from '../io.js';
import { openTargetFlag } from '../target-flag.js';
import { isLoopbackHost } from '../../util/hosts.js';
import { sanitizeLines, sanitizeTerminal } from '../../render/escape.js';

const USAGE = `Usage: connectorops serve [--target T] [--host HOST] [--port N]

Serve a target over HTTP, for connectorops elsewhere to use as --target http://HOST:PORT.
Every request must carry the bearer token in ${TOKEN_ENV} (set it on both sides).
Runs until SIGINT or SIGTERM.

Options:
  --target T   the target to serve (local:PATH, postgres://…, or a name from connectorops.yaml;
               default: the config's defaultTarget, else local:.connectorops/local.db)
  --host HOST  the address to listen on (default 127.0.0.1: this machine only). The token
               travels in clear text over http: beyond this machine, put a TLS proxy in front.
  --port N     the port (default ${DEFAULT_PORT}; 0 picks a free one, printed on stdout)
  -h, --help   show this help

Exit codes: 0 stopped by a signal, 1 could not start.`;

/** The smallest token accepted: a short one could be guessed over the network. */
const MIN_TOKEN_LENGTH = 16;
/** The fewest different characters a token may have: a repeated pattern is guessed first. */
const MIN_DISTINCT_CHARACTERS = 8;

export interface ServeDeps {
  /** Stops the server when aborted; by default SIGINT and SIGTERM do. */
  signal?: AbortSignal;
  /** Where request lines go (default: io.stderr). */
  log?: (line: string) => void;
}

export async function run(argv: string[], io: Io): Promise<number> {
  return runServe(argv, io);
}

export async function runServe(argv: string[], io: Io, deps: ServeDeps = {}): Promise<number> {
  const args = parseServeArgs(argv);
  if (isHelp(args)) return printUsage(io, USAGE);
  const { host, port } = args;
  const token = io.env[TOKEN_ENV];
  if (!token) {
    throw new UserError(`serve needs a token: ${TOKEN_ENV} is not set, and a target is never served without one`, {
      hint: `set ${TOKEN_ENV} to a long random string (e.g. \`openssl rand -hex 32\`), here and for the clients`,
    });
  }
  const problem = tokenProblem(token);
  if (problem) throw new UserError(problem, { hint: 'use a token of printable ASCII, e.g. `openssl rand -hex 32`' });
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new UserError(`${TOKEN_ENV} is too short to protect a target (${token.length} characters; at least ${MIN_TOKEN_LENGTH})`, {
      hint: 'use a long random string, e.g. `openssl rand -hex 32`',
    });
  }
  // Long but predictable (`aaaaaaaaaaaaaaaa`, `1212121212121212`) is as weak as short: a random
  // token of 16 characters or more has many different ones (hex: about 15 of 16).
  if (new Set(token).size < MIN_DISTINCT_CHARACTERS) {
    throw new UserError(`${TOKEN_ENV} is too predictable to protect a target (${new Set(token).size} different characters; at least ${MIN_DISTINCT_CHARACTERS})`, {
      hint: 'use a random string, e.g. `openssl rand -hex 32`',
    });
  }

  // Serving is for applying through it: like apply, serve creates a local target that has no file yet.
  const target = await openTargetFlag(args.target, io, io.cwd, { create: true });
  const log = deps.log ?? ((line: string) => io.stderr.write(sanitizeLines(line) + '\n'));
  let running;
  try {
    running = await startServer({ target, token, host, port, log });
  } catch (error) {
    await target.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UserError(`cannot serve on ${host}:${port}: the port is in use`, { hint: 'pick another --port (0 picks a free one)' });
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UserError(`cannot serve on ${host}: no such address on this machine`);
    if (code === 'EACCES') throw new UserError(`cannot serve on port ${port}: permission denied`, { hint: 'ports below 1024 need privileges; pick another --port' });
    throw error;
  }
  if (!isLoopbackHost(host)) {
    log(
      `Warning: serving beyond this machine over plain http: the token and secret values travel unencrypted. Put a TLS proxy in front and give clients its https:// URL.`,
    );
  }
  io.stdout.write(`Serving ${sanitizeTerminal(target.name)} on ${running.url}\n`);

  const stopped = await untilStopped(deps.signal);
  log(`Received ${stopped}: finishing the requests in flight, then stopping.`);
  await running.close();
  await target.close();
  io.stdout.write('Stopped.\n');
  return 0;
}

/** Resolves with what stopped us: a signal's name, or `abort` for the deps' signal. */
export function untilStopped(signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve) => {
    if (signal) {
      if (signal.aborted) return resolve('abort');
      signal.addEventListener('abort', () => resolve('abort'), { once: true });
      return;
    }
    const on = (name: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(name);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
