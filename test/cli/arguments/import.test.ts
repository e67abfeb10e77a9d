import { describe, expect, it } from 'vitest';
import { parseImportArgs } from '../../../src/cli/arguments/import.js';
import { expectOrderFree, refusal } from '../../support/arguments.js';

describe('parseImportArgs', () => {
  it('defaults: the default target, into the current directory', () => {
    expect(parseImportArgs([])).toStrictEqual({ out: '.' });
  });

  it('reads --target and --out', () => {
    expect(parseImportArgs(['--target', 'local:a.db', '--out', 'repo'])).toStrictEqual({ target: 'local:a.db', out: 'repo' });
  });

  it('refuses a stray argument and an unknown option with the option meant', () => {
    expect(refusal(() => parseImportArgs(['repo'])).message).toBe("unexpected argument 'repo'");
    expect(refusal(() => parseImportArgs(['--ot', 'repo'])).hint).toContain("did you mean '--out'?");
  });

  it('answers help', () => {
    expect(parseImportArgs(['--help'])).toEqual({ help: true });
  });

  it('parses the same flags in any order to the same struct', () => {
    expectOrderFree(parseImportArgs, [
      ['--target', 't'],
      ['--out', 'o'],
    ]);
  });
});
