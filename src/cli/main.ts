/**
 * argv → a command → an exit code. Commands live one per file in commands/; each turns its argv
 * into a typed struct with its parser in arguments/ (on the engine args.ts) and returns its exit code. The top-level catch maps error
 * classes to exit codes (README, "Commands"): UserError and TargetError exit 1, a bug exits 1 too but
 * says "please report".
 */
import { InternalError, TargetError, UserError, formatDiagnostic } from '../errors.js';
import { didYouMean } from '../util/text.js';
import { processIo, type Command, type Io } from './io.js';
import { packageVersion } from './package.js';
import { withSecretMap } from './secret-map.js';
import { ownValue } from '../model/own.js';
import { quoteTerminal, sanitizeTerminal } from '../render/escape.js';

const COMMANDS: Record<string, () => Promise<{ run: Command }>> = {
  init: () => import('./commands/init.js'),
  validate: () => import('./commands/validate.js'),
  plan: () => import('./commands/plan.js'),
  apply: () => import('./commands/apply.js'),
  import: () => import('./commands/import.js'),
  target: () => import('./commands/target.js'),
  unlock: () => import('./commands/unlock.js'),
  comment: () => import('./commands/comment.js'),
  serve: () => import('./commands/serve.js'),
  rollout: () => import('./commands/rollout.js'),
  usages: () => import('./commands/usages.js'),
  drift: () => import('./commands/drift.js'),
  studio: () => import('./commands/studio.js'),
};

const USAGE = `Usage: connectorops <command> [options]

Commands:
  init        scaffold a configuration repository (manifests, config, workflows)
  validate    parse and check every manifest (working tree or --ref)
  plan        compare manifests with a target and print the ordered actions
  apply       carry out a plan (a saved PLANFILE, or a fresh plan)
  import      write manifests for what a target holds
  target      export | import | authorize | deauthorize | init | adopt: manage a target
  rollout     a ledger target's rollout: status, next, done, walk, abandon, log
  unlock      release a lock that a dead apply left
  comment     post the plan as a pull request's sticky comment (GitHub)
  serve       serve a target over HTTP (for --target http://HOST:PORT)
  usages      list where Deluge code (Creator exports, scripts) uses each connection
  drift       report what drifted (a change not rolled out, a stale rollout, hand-made changes)
  studio      the account and its rollout in a browser, beside Creator (127.0.0.1 only)

Run 'connectorops <command> --help' for a command's options, 'connectorops --version' for the version.`;

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(USAGE + '\n');
    return name ? 0 : 1;
  }
  if (name === '--version') {
    io.stdout.write(`connectorops ${packageVersion()}\n`);
    return 0;
  }
  const load = ownValue(COMMANDS, name);
  if (!load) {
    const guess = didYouMean(name, Object.keys(COMMANDS));
    io.stderr.write(`Error: unknown command ${quoteTerminal(name)}${guess ? `; ${guess}` : ''}\n  hint: run 'connectorops --help' for the commands\n`);
    return 1;
  }
  try {
    const { run } = await load();
    return await run(rest, { ...io, env: withSecretMap(io.env) });
  } catch (error) {
    return reportError(error, io);
  }
}

/** A rule id of docs/rules.md (N1, R2a, A1, S2, P1, …), as opposed to a code such as `yaml`. */
const RULE_ID = /^(R\d{1,2}[a-z]?|[NASP]\d)$/;

/**
 * An error's text for the terminal: each line through the one terminal escaper, so that a name
 * from a target, a plan file or a server (ESC, OSC 8, BIDI) shows what it holds instead of acting.
 */
function lines(text: string): string {
  return text.split('\n').map(sanitizeTerminal).join('\n');
}

export function reportError(error: unknown, io: Io): number {
  if (error instanceof UserError || error instanceof TargetError) {
    // A target's rule refusal already reads `R9: …` (docs/rules.md); don't print the id twice.
    const rule = error.details.rule && !error.message.startsWith(`${error.details.rule}: `) ? `${error.details.rule}: ` : '';
    const diagnostics = error instanceof UserError ? (error.details.diagnostics ?? []) : [];
    for (const d of diagnostics) io.stderr.write(formatDiagnostic(d) + '\n');
    io.stderr.write(`Error: ${rule}${lines(error.message)}\n`);
    if (error.details.hint) io.stderr.write(`  hint: ${lines(error.details.hint)}\n`);
    // The page ships in the package and in every clone: a pointer that always resolves.
    const id = error.details.rule;
    if (id && RULE_ID.test(id)) io.stderr.write(`  rule: ${id} is explained in docs/rules.md#${id.toLowerCase()} (in the connectorops package)\n`);
    return 1;
  }
  if (error instanceof InternalError) {
    io.stderr.write(`Internal error: ${lines(error.message)}\n`);
    return 1;
  }
  if (isParseArgsError(error)) {
    io.stderr.write(`Error: ${lines((error as Error).message)}\n  hint: run the command with --help\n`);
    return 1;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr.write(`Internal error: ${lines(message)}\nThis is a bug in connectorops: please report it with the command you ran.\n`);
  return 1;
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}
