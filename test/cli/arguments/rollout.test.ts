import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseRolloutAbandonArgs,
  parseRolloutDoneArgs,
  parseRolloutIssueArgs,
  parseRolloutLogArgs,
  parseRolloutNextArgs,
  parseRolloutStatusArgs,
  parseRolloutSyncArgs,
  parseRolloutWalkArgs,
} from '../../../src/cli/arguments/rollout.js';
import { NEXT_FORMATS } from '../../../src/render/rollout.js';
import { expectOrderFree, refusal } from '../../support/arguments.js';

const WHERE = [
  ['--target', 'ledger'],
  ['--dir', 'cfg'],
];

describe('rollout status and log', () => {
  it('read --target, --dir and --format text|json, and nothing else', () => {
    for (const parse of [parseRolloutStatusArgs, parseRolloutLogArgs]) {
      expect(parse([])).toStrictEqual({ format: 'text' });
      expect(parse(['--target', 'l', '--dir', 'd'])).toStrictEqual({ target: 'l', dir: 'd', format: 'text' });
      expect(parse(['--format', 'json'])).toStrictEqual({ format: 'json' });
      expect(refusal(() => parse(['--format', 'markdown'])).hint).toBe('use one of: text, json');
      expect(refusal(() => parse(['S1'])).message).toBe("unexpected argument 'S1'");
      expect(refusal(() => parse(['--dri', 'd'])).hint).toContain("did you mean '--dir'?");
      expect(parse(['-h'])).toEqual({ help: true });
      expectOrderFree(parse, WHERE);
    }
  });
});

describe('parseRolloutNextArgs', () => {
  it('defaults to text, and takes every rollout format', () => {
    expect(parseRolloutNextArgs([])).toStrictEqual({ format: 'text' });
    for (const f of NEXT_FORMATS) expect(parseRolloutNextArgs(['--format', f])).toStrictEqual({ format: f });
  });

  it('refuses an unknown format, listing the formats', () => {
    const r = refusal(() => parseRolloutNextArgs(['--format', 'runbook']));
    expect(r.message).toBe("unknown format 'runbook'");
    expect(r.hint).toBe(`use one of: ${NEXT_FORMATS.join(', ')}`);
  });

  it('answers help, and parses any order alike', () => {
    expect(parseRolloutNextArgs(['--help'])).toEqual({ help: true });
    expectOrderFree(parseRolloutNextArgs, [...WHERE, ['--format', 'markdown']]);
  });
});

describe('parseRolloutDoneArgs', () => {
  it('reads the steps in order, --by (trimmed) and --note', () => {
    expect(parseRolloutDoneArgs(['S2', 'S1'])).toStrictEqual({ steps: ['S2', 'S1'] });
    expect(parseRolloutDoneArgs(['S1', '--by', ' Alice Martin ', '--note', 'in the EU account'])).toStrictEqual({
      steps: ['S1'],
      by: 'Alice Martin',
      note: 'in the EU account',
    });
  });

  it('leaves "no step" to the rollout, which says which steps are ready', () => {
    expect(parseRolloutDoneArgs([])).toStrictEqual({ steps: [] });
  });

  it('refuses a --by that is empty, too long or holds control characters', () => {
    for (const bad of ['', '  ', 'x'.repeat(201), 'a\u001bb']) {
      const r = refusal(() => parseRolloutDoneArgs(['S1', `--by=${bad}`]));
      expect(r.message).toBe('--by is a name of 1 to 200 characters, without control characters');
      expect(r.hint).toBe('e.g. --by "Alice Martin"');
    }
  });

  it('answers help, and parses any order of flags among the steps alike', () => {
    expect(parseRolloutDoneArgs(['S1', '-h'])).toEqual({ help: true });
    expectOrderFree(parseRolloutDoneArgs, [...WHERE, ['--by', 'alice'], ['--note', 'n']], ['S1', 'S3', 'S2']);
  });
});

describe('parseRolloutWalkArgs and parseRolloutAbandonArgs', () => {
  it('read --by (checked) and --note, or --reason', () => {
    expect(parseRolloutWalkArgs([])).toStrictEqual({});
    expect(parseRolloutWalkArgs(['--by', 'bob', '--note', 'n'])).toStrictEqual({ by: 'bob', note: 'n' });
    expect(parseRolloutAbandonArgs(['--reason', 'wrong account', '--by', 'bob'])).toStrictEqual({ by: 'bob', reason: 'wrong account' });
    expect(refusal(() => parseRolloutWalkArgs(['--by', ''])).message).toMatch(/^--by is a name/);
    expect(refusal(() => parseRolloutAbandonArgs(['--by', '\u0000'])).message).toMatch(/^--by is a name/);
  });

  it('refuse steps and unknown options', () => {
    expect(refusal(() => parseRolloutWalkArgs(['S1'])).message).toBe("unexpected argument 'S1'");
    expect(refusal(() => parseRolloutAbandonArgs(['--reasn', 'x'])).hint).toContain("did you mean '--reason'?");
  });

  it('answer help, and parse any order alike', () => {
    expect(parseRolloutWalkArgs(['--help'])).toEqual({ help: true });
    expect(parseRolloutAbandonArgs(['--help'])).toEqual({ help: true });
    expectOrderFree(parseRolloutWalkArgs, [...WHERE, ['--by', 'b'], ['--note', 'n']]);
    expectOrderFree(parseRolloutAbandonArgs, [...WHERE, ['--by', 'b'], ['--reason', 'r']]);
  });
});

describe('parseRolloutIssueArgs', () => {
  it('reads --repo, --target and --dir', () => {
    expect(parseRolloutIssueArgs([])).toStrictEqual({});
    expect(parseRolloutIssueArgs(['--repo', 'acme/infra', '--target', 'l'])).toStrictEqual({ repo: 'acme/infra', target: 'l' });
    expect(refusal(() => parseRolloutIssueArgs(['--rep', 'a/b'])).hint).toContain("did you mean '--repo'?");
    expect(parseRolloutIssueArgs(['-h'])).toEqual({ help: true });
    expectOrderFree(parseRolloutIssueArgs, [...WHERE, ['--repo', 'a/b']]);
  });
});

describe('parseRolloutSyncArgs', () => {
  it('reads --issue (a number) and --actor (a GitHub login, trimmed)', () => {
    expect(parseRolloutSyncArgs(['--issue', '12', '--actor', 'octocat'])).toStrictEqual({ issue: 12, actor: 'octocat' });
    expect(parseRolloutSyncArgs(['--issue', '3', '--actor', ' dependabot[bot] ', '--repo', 'a/b'])).toStrictEqual({ issue: 3, actor: 'dependabot[bot]', repo: 'a/b' });
  });

  it('takes any whole issue number from 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), (n) => {
        expect(parseRolloutSyncArgs([`--issue=${n}`, '--actor', 'a'])).toMatchObject({ issue: n });
      }),
    );
  });

  it('refuses a missing or bad --issue, then a missing or bad --actor', () => {
    expect(refusal(() => parseRolloutSyncArgs(['--actor', 'a'])).message).toBe("rollout sync needs --issue N: the rollout issue's number");
    for (const bad of [
      ['--issue', '0'],
      ['--issue', '1.5'],
      ['--issue', 'x'],
      ['--issue', ' 3'],
      ['--issue', '0x10'],
      ['--issue', '1e3'],
    ]) {
      const r = refusal(() => parseRolloutSyncArgs([...bad, '--actor', 'a']));
      expect(r.message).toMatch(/^--issue takes the rollout issue's number, not '/);
      expect(r.hint).toBe('in rollout.yml: --issue ${{ github.event.issue.number }}');
    }
    for (const bad of [[], ['--actor', ''], ['--actor', 'two words'], ['--actor', 'a;b']]) {
      const r = refusal(() => parseRolloutSyncArgs(['--issue', '1', ...bad]));
      expect(r.message).toBe('--actor takes the GitHub login of who ticked the boxes');
      expect(r.hint).toBe('in rollout.yml: --actor ${{ github.actor }}');
    }
  });

  it('answers help, and parses any order alike', () => {
    expect(parseRolloutSyncArgs(['--help'])).toEqual({ help: true });
    expectOrderFree(parseRolloutSyncArgs, [...WHERE, ['--repo', 'a/b'], ['--issue', '4'], ['--actor', 'octocat']]);
  });
});
