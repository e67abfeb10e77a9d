import { describe, expect, it } from 'vitest';
import { parseStudioArgs } from '../../../src/cli/arguments/studio.js';
import { expectOrderFree, refusal } from '../../support/arguments.js';

describe('parseStudioArgs', () => {
  it('defaults: a free port, the browser opened, the default target, --by from git later', () => {
    expect(parseStudioArgs([])).toStrictEqual({ port: 0, open: true });
  });

  it('reads every flag', () => {
    expect(parseStudioArgs(['--target', 'local:a.db', '--dir', 'infra', '--port', '8123', '--no-open', '--by', '  Dana Q '])).toStrictEqual({
      target: 'local:a.db',
      dir: 'infra',
      port: 8123,
      open: false,
      by: 'Dana Q',
    });
  });

  it('refuses a port that is not one, and a --by that is not a name', () => {
    const port = refusal(() => parseStudioArgs(['--port', '70000']));
    expect(port.message).toBe('--port 70000 is not a port number');
    expect(port.hint).toBe('a number from 0 to 65535 (0 picks a free port)');
    expect(refusal(() => parseStudioArgs(['--by', 'a\u001bb'])).message).toBe('--by is a name of 1 to 200 characters, without control characters');
    expect(refusal(() => parseStudioArgs(['--by', '   '])).hint).toBe('e.g. --by "Alice Martin"');
  });

  it('refuses an unknown option with the option meant, and a value for --no-open', () => {
    expect(refusal(() => parseStudioArgs(['--no-opne'])).hint).toContain("did you mean '--no-open'?");
    expect(refusal(() => parseStudioArgs(['--no-open=yes'])).message).toContain("'--no-open' takes no value");
  });

  it('answers help', () => {
    expect(parseStudioArgs(['-h'])).toEqual({ help: true });
  });

  it('parses the same flags in any order to the same struct', () => {
    expectOrderFree(parseStudioArgs, [['--target', 't'], ['--dir', 'd'], ['--port', '9000'], ['--no-open'], ['--by', 'Dana']]);
  });
});
