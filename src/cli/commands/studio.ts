/**
 * `connectorops studio`: the account and its open rollout as a local web page, beside Creator
 * (docs/studio.md). Serves src/studio/ on 127.0.0.1, prints the URL with its one-time token,
 * opens it in the browser unless --no-open, and runs until SIGINT or SIGTERM.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../../errors.js';
import { gitUserName } from '../../git/repo.js';
import { startStudio } from '../../studio/server.js';
import { actorName } from '../actor.js';
import { isHelp, printUsage } from '../args.js';
import { parseStudioArgs } from '../arguments/studio.js';
import type { Io } from '../io.js';
import { packageRoot } from '../package.js';
import { openTargetFlag } from '../target-flag.js';
import { sanitizeLines, sanitizeTerminal } from '../../render/escape.js';
import { untilStopped } from './serve.js';

const USAGE = `Usage: connectorops studio [--target T] [--dir D] [--port N] [--no-open] [--by NAME]

The account and its open rollout in a browser, beside Creator's Manage Custom Connectors page:
the connectors as cards, what the current plan does to each, the plan as a graph, the rollout's
steps with a copy button beside every value to type in Creator, Mark done, and the log.
Served on 127.0.0.1 only, at a URL with a one-time token. Runs until SIGINT or SIGTERM.

Options:
  --target T   the target (a name from connectorops.yaml, local:PATH, postgres://… or http(s)://…;
               default: the config's defaultTarget, else local:.connectorops/local.db)
  --dir D      where connectorops.yaml and the manifests are (default .)
  --port N     the port (default 0: a free one)
  --no-open    print the URL only; do not open the browser
  --by NAME    who Mark done records (default: git's user.name, else your user name)
  -h, --help   show this help

Exit codes: 0 stopped by a signal, 1 could not start.`;

export async function run(argv: string[], io: Io): Promise<number> {
  const args = parseStudioArgs(argv);
  if (isHelp(args)) return printUsage(io, USAGE);
  const dir = resolve(io.cwd, args.dir ?? '.');
  const by = args.by ?? (await gitUserName(dir)) ?? actorName(undefined, io.env);
  const assetsDir = join(packageRoot(), 'dist/bundle/studio');
  if (!existsSync(join(assetsDir, 'app.js'))) {
    throw new UserError(`the studio's page is not built (no ${join(assetsDir, 'app.js')})`, { hint: 'run npm run build in the connectorops checkout' });
  }
  const target = await openTargetFlag(args.target, io, dir);
  let studio;
  try {
    studio = await startStudio({
      target,
      manifests: { dir, cwd: io.cwd, env: io.env, ...(args.target !== undefined ? { target: args.target } : {}) },
      by,
      port: args.port,
      assetsDir,
      rulesFile: join(packageRoot(), 'docs/rules.md'),
      log: (line) => io.stderr.write(sanitizeLines(line) + '\n'),
    });
  } catch (error) {
    await target.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new UserError(`cannot serve the studio on port ${args.port}: the port is in use`, { hint: 'pick another --port (0 picks a free one)' });
    throw error;
  }
  io.stdout.write(`Studio for ${sanitizeTerminal(target.name)}, as ${sanitizeTerminal(by)}: open ${studio.url}\n`);
  io.stdout.write('The link works once (it logs this browser in). Ctrl-C stops the studio.\n');
  if (args.open) openBrowser(studio.url);

  const stopped = await untilStopped(undefined);
  io.stderr.write(`Received ${stopped}: stopping the studio.\n`);
  await studio.close();
  await target.close();
  return 0;
}

/** Best effort: the URL is printed anyway. */
function openBrowser(url: string): void {
  const [command, ...args] = process.platform === 'darwin' ? ['open', url] : process.platform === 'win32' ? ['cmd', '/c', 'start', '""', url] : ['xdg-open', url];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // no browser opener on this machine: the printed URL is enough
  }
}
