/**
 * What to do about each finding (docs/drift.md): our own words, and commands a person can paste
 * into a shell as they are (the target, the directory and step ids quoted for a POSIX shell).
 * Pure; the renderers escape the commands for their medium (a terminal, a Markdown code block).
 */
import { sanitizeTerminal } from '../util/terminal.js';
import type { DriftFinding } from './findings.js';

export interface NextStep {
  /** What to do and why, in our words only (no user string: the finding's title names those). */
  say: string;
  /** Pasteable commands, one per line. */
  commands: string[];
}

/** Where the commands point: the target and `--dir` as the check was given them. */
export interface CommandContext {
  target: string;
  dir: string | null;
}

/** A word for a POSIX shell: bare when it is plainly safe, else single-quoted. Control characters are shown escaped, never passed on. */
function shellWord(value: string): string {
  const clean = sanitizeTerminal(value);
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(clean) ? clean : `'${clean.replace(/'/g, `'\\''`)}'`;
}

function command(context: CommandContext, words: string[], withTarget = true): string {
  const dir = context.dir !== null && context.dir !== '.' ? ['--dir', shellWord(context.dir)] : [];
  return ['connectorops', ...words, ...dir, ...(withTarget ? ['--target', shellWord(context.target)] : [])].join(' ');
}

export function nextSteps(finding: DriftFinding, context: CommandContext): NextStep {
  const c = (...words: string[]) => command(context, words);
  switch (finding.kind) {
    case 'not-rolled-out':
      return {
        say: 'A merged change was never carried out (an apply job that failed, or a rollout abandoned). Plan to see it, then apply it: on a ledger target, apply opens a rollout for people to carry out in Creator.',
        commands: [c('plan'), c('apply')],
      };
    case 'stale-rollout':
      return {
        say: 'Finish the rollout: do the ready steps in Creator and record them. If it will not be finished, abandon it (done steps stay done) and plan again.',
        commands: [
          c('rollout', 'next'),
          ...(finding.ready.length ? [c('rollout', 'done', ...finding.ready.map((s) => shellWord(s.id)))] : []),
          c('rollout', 'abandon', '--reason', shellWord('stale: not finished')),
        ],
      };
    case 'unknown-connection':
      return {
        say: 'Code calls a connection that no manifest and no ledger knows: made by hand in Creator, or a typo in the code. If it exists in Creator, write its manifest in connections/ (docs/manifests.md) so that Git knows it, then plan; connectorops import writes manifests for what a target holds, a start to copy from. If it is a typo, fix the code.',
        commands: [command(context, ['usages'], false), c('import', '--out', 'connectorops-import'), c('plan')],
      };
    case 'ledger-only':
      return {
        say: 'The ledger holds what no manifest defines. If it was removed from the manifests on purpose, apply deletes it. If it is meant to stay, write its manifest: connectorops import writes the manifests of everything the target holds into a folder to copy from.',
        commands: [c('import', '--out', 'connectorops-import'), c('apply')],
      };
    case 'usage-without-access':
      return {
        say: "The application calls a connection its manifest gives no access to: add the application to the connection's access list, or remove the call; then plan.",
        commands: [c('plan')],
      };
  }
}
