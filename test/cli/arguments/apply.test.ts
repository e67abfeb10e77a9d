import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GROUP_LIMIT } from '../../../src/apply/executor.js';
import { parseApplyArgs } from '../../../src/cli/arguments/apply.js';
import { expectOrderFree, refusal } from '../../support/arguments.js';

describe('parseApplyArgs', () => {
  it('defaults: a fresh plan, asked for, nothing allowed, the default concurrency, no lock wait', () => {
    expect(parseApplyArgs([])).toStrictEqual({ autoApprove: false, allowReplace: false, allowEmpty: false });
  });

  it('reads every flag of a fresh plan', () => {
    expect(
      parseApplyArgs(['--dir', 'd', '--target', 'prod', '--auto-approve', '--allow-replace', '--allow-empty', '--concurrency', '8', '--lock-timeout', '2.5']),
    ).toStrictEqual({ dir: 'd', target: 'prod', autoApprove: true, allowReplace: true, allowEmpty: true, concurrency: 8, lockTimeout: 2.5 });
  });

  it('takes one PLANFILE, as typed', () => {
    expect(parseApplyArgs(['out/plan.json', '--target', 't'])).toStrictEqual({
      planFile: 'out/plan.json',
      target: 't',
      autoApprove: false,
      allowReplace: false,
      allowEmpty: false,
    });
  });

  it('refuses a second PLANFILE', () => {
    const r = refusal(() => parseApplyArgs(['a.json', 'b.json']));
    expect(r.message).toBe('apply takes at most one PLANFILE, not 2');
    expect(r.hint).toBe('connectorops apply [PLANFILE]');
  });

  it('refuses --allow-replace with a saved plan: the plan says what it replaces', () => {
    const r = refusal(() => parseApplyArgs(['plan.json', '--allow-replace']));
    expect(r.message).toBe('--allow-replace has no effect on a saved plan: the plan already says what it replaces');
    expect(r.hint).toBe('make the plan with connectorops plan --allow-replace --out FILE');
  });

  it('takes --concurrency from 1 to 64, and refuses anything else', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), (n) => {
        expect(parseApplyArgs(['--concurrency', String(n)])).toMatchObject({ concurrency: n });
      }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 65 }), fc.double({ min: 1.01, max: 63.99, noInteger: true })), (n) => {
        expect(refusal(() => parseApplyArgs([`--concurrency=${n}`])).message).toBe(`--concurrency takes a whole number from 1 to 64, not '${n}'`);
      }),
    );
    expect(refusal(() => parseApplyArgs(['--concurrency', 'two'])).message).toBe("--concurrency takes a whole number from 1 to 64, not 'two'");
    // What Number() reads as a number, and no one means as one.
    for (const bad of ['', ' 3', '3 ', '0x10', '0b11', '1e1', '+4']) {
      expect(refusal(() => parseApplyArgs([`--concurrency=${bad}`])).message).toBe(`--concurrency takes a whole number from 1 to 64, not '${bad}'`);
    }
  });

  it("--concurrency's most is the executor's group limit: one group in flight at most on a target that commits groups", () => {
    expect(parseApplyArgs(['--concurrency', String(GROUP_LIMIT)])).toMatchObject({ concurrency: GROUP_LIMIT });
    expect(refusal(() => parseApplyArgs(['--concurrency', String(GROUP_LIMIT + 1)])).message).toContain(`from 1 to ${GROUP_LIMIT}`);
  });

  it('takes --lock-timeout of 0 or more seconds, and refuses anything else', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), (s) => {
        expect(parseApplyArgs(['--lock-timeout', String(s)])).toMatchObject({ lockTimeout: s });
      }),
    );
    for (const bad of ['-1', 'soon', 'Infinity', 'NaN', '', ' ', ' 5', '0x10', '1e999']) {
      const r = refusal(() => parseApplyArgs([`--lock-timeout=${bad}`]));
      expect(r.message).toBe(`--lock-timeout takes a number of seconds (0 or more), not '${bad}'`);
    }
  });

  it('checks the flag values before the saved-plan rule, as before', () => {
    expect(refusal(() => parseApplyArgs(['plan.json', '--allow-replace', '--concurrency', '0'])).message).toMatch(/^--concurrency/);
  });

  it('refuses an unknown option with the option meant', () => {
    const r = refusal(() => parseApplyArgs(['--auto-aprove']));
    expect(r.message).toBe("unknown option '--auto-aprove'");
    expect(r.hint).toContain("did you mean '--auto-approve'?");
  });

  it('answers help', () => {
    expect(parseApplyArgs(['plan.json', '--help'])).toEqual({ help: true });
  });

  it('parses the same flags in any order to the same struct', () => {
    expectOrderFree(
      parseApplyArgs,
      [['--dir', 'd'], ['--target', 't'], ['--auto-approve'], ['--concurrency', '3'], ['--lock-timeout', '10'], ['--allow-empty']],
      ['plan.json'],
    );
  });
});
