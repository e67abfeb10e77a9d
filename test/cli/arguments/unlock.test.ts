import { describe, expect, it } from 'vitest';
import { parseUnlockArgs } from '../../../src/cli/arguments/unlock.js';
import { expectOrderFree, refusal } from '../../support/arguments.js';

describe('parseUnlockArgs', () => {
  it('reads LOCKID, --target and --dir (default .)', () => {
    expect(parseUnlockArgs(['lock-1'])).toStrictEqual({ lockId: 'lock-1', dir: '.' });
    expect(parseUnlockArgs(['lock-1', '--target', 'prod', '--dir', 'cfg'])).toStrictEqual({ lockId: 'lock-1', target: 'prod', dir: 'cfg' });
  });

  it('needs exactly one LOCKID', () => {
    const none = refusal(() => parseUnlockArgs(['--target', 't']));
    expect(none.message).toBe('unlock needs the LOCKID to release');
    expect(none.hint).toBe('a refused apply prints it: connectorops unlock LOCKID --target T');
    expect(refusal(() => parseUnlockArgs(['a', 'b'])).message).toBe('unlock takes one LOCKID, not 2');
  });

  it('refuses an unknown option with the option meant', () => {
    expect(refusal(() => parseUnlockArgs(['x', '--traget', 't'])).hint).toContain("did you mean '--target'?");
  });

  it('answers help', () => {
    expect(parseUnlockArgs(['-h'])).toEqual({ help: true });
  });

  it('parses the same flags in any order to the same struct', () => {
    expectOrderFree(
      parseUnlockArgs,
      [
        ['--target', 't'],
        ['--dir', 'd'],
      ],
      ['lock-1'],
    );
  });
});
