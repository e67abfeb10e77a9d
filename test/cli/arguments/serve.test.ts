import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../../src/cli/arguments/serve.js';
import { expectOrderFree, refusal } from '../../support/arguments.js';

describe('parseServeArgs', () => {
  it('defaults: this machine only, port 8080, the default target', () => {
    expect(parseServeArgs([])).toStrictEqual({ host: '127.0.0.1', port: 8080 });
  });

  it('reads every flag', () => {
    expect(parseServeArgs(['--target', 'local:a.db', '--host', '0.0.0.0', '--port', '0'])).toStrictEqual({ target: 'local:a.db', host: '0.0.0.0', port: 0 });
  });

  it('takes a port from 0 to 65535, and refuses anything else', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), (n) => {
        expect(parseServeArgs(['--port', String(n)])).toMatchObject({ port: n });
      }),
    );
    for (const bad of ['65536', '-1', '80.5', 'http', '']) {
      const r = refusal(() => parseServeArgs([`--port=${bad}`]));
      expect(r.message).toBe(`--port ${bad} is not a port number`);
      expect(r.hint).toBe('a number from 0 to 65535 (0 picks a free port)');
    }
  });

  it('refuses an empty --host, which would serve on every interface', () => {
    // It was taken as given: `serve --host ""` listened on all interfaces and said "on http://:41657".
    for (const empty of ['', ' ']) {
      const r = refusal(() => parseServeArgs([`--host=${empty}`]));
      expect(r.message).toBe('--host is empty: an empty host would serve the target on every network interface');
      expect(r.hint).toContain('127.0.0.1');
    }
  });

  it('refuses an unknown option with the option meant', () => {
    expect(refusal(() => parseServeArgs(['--prot', '1'])).hint).toContain("did you mean '--port'?");
  });

  it('answers help', () => {
    expect(parseServeArgs(['--help'])).toEqual({ help: true });
  });

  it('parses the same flags in any order to the same struct', () => {
    expectOrderFree(parseServeArgs, [
      ['--target', 't'],
      ['--host', 'localhost'],
      ['--port', '9000'],
    ]);
  });
});
