import { describe, expect, it } from 'vitest';
import { parseUsagesArgs } from '../../../src/cli/arguments/usages.js';
import { expectOrderFree, refusal } from '../../support/arguments.js';

describe('parseUsagesArgs', () => {
  it('defaults: text, the working tree of the current directory', () => {
    expect(parseUsagesArgs([])).toStrictEqual({ dir: '.', format: 'text' });
  });

  it('reads every flag', () => {
    expect(parseUsagesArgs(['--dir', 'd', '--ref', 'main', '--format', 'json'])).toStrictEqual({ dir: 'd', ref: 'main', format: 'json' });
  });

  it('refuses an unknown format, listing the formats', () => {
    const r = refusal(() => parseUsagesArgs(['--format', 'markdown']));
    expect(r.message).toBe("unknown format 'markdown'");
    expect(r.hint).toBe('use one of: text, json');
  });

  it('refuses an unknown option with the option meant', () => {
    expect(refusal(() => parseUsagesArgs(['--fromat', 'json'])).hint).toContain("did you mean '--format'?");
  });

  it('answers help', () => {
    expect(parseUsagesArgs(['-h'])).toEqual({ help: true });
  });

  it('parses the same flags in any order to the same struct', () => {
    expectOrderFree(parseUsagesArgs, [
      ['--dir', 'd'],
      ['--ref', 'r'],
      ['--format', 'json'],
    ]);
  });
});
