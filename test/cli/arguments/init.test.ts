import { describe, expect, it } from 'vitest';
import { parseInitArgs } from '../../../src/cli/arguments/init.js';
import { expectOrderFree, refusal } from '../../support/arguments.js';

describe('parseInitArgs', () => {
  it('defaults: the current directory, the default action', () => {
    expect(parseInitArgs([])).toStrictEqual({ dir: '.' });
  });

  it('reads DIR and --action', () => {
    expect(parseInitArgs(['repo', '--action', 'acme/connectorops@v2'])).toStrictEqual({ dir: 'repo', action: 'acme/connectorops@v2' });
    expect(parseInitArgs(['--action=acme/tools/connectorops@main'])).toStrictEqual({ dir: '.', action: 'acme/tools/connectorops@main' });
  });

  it('refuses an --action that is not OWNER/REPO@REF', () => {
    for (const bad of ['not a ref', 'acme/connectorops', 'connectorops@v1', '@v1', '../../x@y', './x@y', 'acme/../x@y', 'acme/tools/..@v1', 'ac.me/x@v1']) {
      const r = refusal(() => parseInitArgs(['--action', bad]));
      expect(r.message).toBe(`--action '${bad}' is not OWNER/REPO@REF`);
      expect(r.hint).toContain('connectorops/connectorops');
    }
  });

  it('refuses a second directory', () => {
    const r = refusal(() => parseInitArgs(['a', 'b']));
    expect(r.message).toBe("unexpected argument 'b'");
    expect(r.hint).toBe('init takes one directory');
  });

  it('refuses an unknown option with the option meant', () => {
    expect(refusal(() => parseInitArgs(['--actoin', 'x'])).hint).toContain("did you mean '--action'?");
  });

  it('answers help', () => {
    expect(parseInitArgs(['-h'])).toEqual({ help: true });
  });

  it('parses the same flags in any order to the same struct', () => {
    expectOrderFree(parseInitArgs, [['--action', 'a/b@c']], ['dir']);
  });
});
