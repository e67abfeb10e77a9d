/** `connectorops comment PLANFILE --pr N [--repo OWNER/NAME] [--base-plan FILE]`. */
import { UserError } from '../../errors.js';
import { parsePullNumber } from '../../github/context.js';
import { isHelp, parseFlags, type Help } from '../args.js';
import { definedOnly } from '../../util/objects.js';

export interface CommentArgs {
  /** As typed, relative to the working directory. */
  planFile: string;
  /** The pull request's number, 1 or more. */
  pr: number;
  /** OWNER/NAME as typed (checked with the environment's GITHUB_REPOSITORY, github/context.ts); absent: GITHUB_REPOSITORY. */
  repo?: string;
  /** As typed, relative to the working directory. */
  basePlan?: string;
}

export function parseCommentArgs(argv: readonly string[]): CommentArgs | Help {
  const flags = parseFlags(argv, { pr: { type: 'string' }, repo: { type: 'string' }, 'base-plan': { type: 'string' } }, true);
  if (isHelp(flags)) return flags;
  const { values, positionals } = flags;
  const [planFile] = positionals;
  if (planFile === undefined || positionals.length > 1) {
    throw new UserError(positionals.length ? `comment takes one PLANFILE, not ${positionals.length}` : 'comment needs the PLANFILE to post', {
      hint: 'connectorops plan --out plan.json, then connectorops comment plan.json --pr N',
    });
  }
  return { planFile, pr: parsePullNumber(values.pr), ...definedOnly({ repo: values.repo, basePlan: values['base-plan'] }) };
}
