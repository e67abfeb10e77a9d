import { describe, expect, it } from 'vitest';
import { parseCommentArgs } from '../../../src/cli/arguments/comment.js';
import { expectOrderFree, refusal } from '../../support/arguments.js';

describe('parseCommentArgs', () => {
  it('reads PLANFILE, --pr, --repo and --base-plan', () => {
    expect(parseCommentArgs(['plan.json', '--pr', '7'])).toStrictEqual({ planFile: 'plan.json', pr: 7 });
    expect(parseCommentArgs(['plan.json', '--pr', '7', '--repo', 'acme/infra', '--base-plan', 'base.json'])).toStrictEqual({
      planFile: 'plan.json',
      pr: 7,
      repo: 'acme/infra',
      basePlan: 'base.json',
    });
  });

  it('needs exactly one PLANFILE', () => {
    const none = refusal(() => parseCommentArgs(['--pr', '7']));
    expect(none.message).toBe('comment needs the PLANFILE to post');
    expect(none.hint).toBe('connectorops plan --out plan.json, then connectorops comment plan.json --pr N');
    expect(refusal(() => parseCommentArgs(['a.json', 'b.json', '--pr', '7'])).message).toBe('comment takes one PLANFILE, not 2');
  });

  it('needs --pr, a pull request number', () => {
    expect(refusal(() => parseCommentArgs(['plan.json'])).message).toBe('comment needs --pr N, the pull request to comment on');
    for (const bad of ['0', '-3', '1.5', 'seven', '007'])
      expect(refusal(() => parseCommentArgs(['plan.json', `--pr=${bad}`])).message).toMatch(/^--pr takes a pull request number/);
  });

  it('checks PLANFILE before --pr', () => {
    expect(refusal(() => parseCommentArgs([])).message).toBe('comment needs the PLANFILE to post');
  });

  it('refuses an unknown option with the option meant', () => {
    expect(refusal(() => parseCommentArgs(['plan.json', '--pr', '1', '--base-pln', 'x'])).hint).toContain("did you mean '--base-plan'?");
  });

  it('answers help', () => {
    expect(parseCommentArgs(['--help'])).toEqual({ help: true });
  });

  it('parses the same flags in any order to the same struct', () => {
    expectOrderFree(
      parseCommentArgs,
      [
        ['--pr', '12'],
        ['--repo', 'a/b'],
        ['--base-plan', 'base.json'],
      ],
      ['plan.json'],
    );
  });
});
