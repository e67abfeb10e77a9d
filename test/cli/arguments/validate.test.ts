import { describe, expect, it } from 'vitest';
import { parseValidateArgs } from '../../../src/cli/arguments/validate.js';
import { expectOrderFree, refusal } from '../../support/arguments.js';

describe('parseValidateArgs', () => {
  it('defaults: the working tree of the current directory', () => {
    expect(parseValidateArgs([])).toStrictEqual({ dir: '.' });
  });

  it('reads --dir and --ref', () => {
    expect(parseValidateArgs(['--dir', 'cfg', '--ref', 'HEAD~1'])).toStrictEqual({ dir: 'cfg', ref: 'HEAD~1' });
  });

  it('refuses a stray argument and an unknown option with the option meant', () => {
    expect(refusal(() => parseValidateArgs(['cfg'])).message).toBe("unexpected argument 'cfg'");
    expect(refusal(() => parseValidateArgs(['--rev', 'x'])).hint).toContain("did you mean '--ref'?");
    expect(refusal(() => parseValidateArgs(['--ref'])).message).toBe("option '--ref' needs a value");
  });

  it('answers help', () => {
    expect(parseValidateArgs(['--help'])).toEqual({ help: true });
  });

  it('parses the same flags in any order to the same struct', () => {
    expectOrderFree(parseValidateArgs, [
      ['--dir', 'd'],
      ['--ref', 'r'],
    ]);
  });
});
