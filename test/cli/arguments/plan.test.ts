import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePlanArgs } from '../../../src/cli/arguments/plan.js';
import { RENDER_FORMATS } from '../../../src/render/render-plan.js';
import { expectOrderFree, refusal } from '../../support/arguments.js';

describe('parsePlanArgs', () => {
  it('defaults: text, nothing allowed, no detailed exit code, no paths', () => {
    expect(parsePlanArgs([])).toStrictEqual({ format: 'text', allowReplace: false, allowEmpty: false, detailedExitcode: false });
  });

  it('reads every flag', () => {
    expect(
      parsePlanArgs([
        '--dir',
        'd',
        '--ref',
        'main',
        '--base',
        'origin/main',
        '--target',
        'prod',
        '--out',
        'plan.json',
        '--format',
        'markdown',
        '--allow-replace',
        '--allow-empty',
        '--detailed-exitcode',
      ]),
    ).toStrictEqual({
      dir: 'd',
      ref: 'main',
      base: 'origin/main',
      target: 'prod',
      out: 'plan.json',
      format: 'markdown',
      allowReplace: true,
      allowEmpty: true,
      detailedExitcode: true,
    });
  });

  it('takes every render format, and --json as --format json', () => {
    for (const f of RENDER_FORMATS) expect(parsePlanArgs(['--format', f])).toMatchObject({ format: f });
    expect(parsePlanArgs(['--json'])).toMatchObject({ format: 'json' });
    expect(parsePlanArgs(['--json', '--format', 'json'])).toMatchObject({ format: 'json' });
  });

  it('refuses --json with another --format', () => {
    const r = refusal(() => parsePlanArgs(['--json', '--format', 'markdown']));
    expect(r.message).toBe('--json and --format markdown disagree');
    expect(r.hint).toBe('--json is short for --format json: give one of them');
  });

  it('refuses an unknown format, listing the formats', () => {
    const r = refusal(() => parsePlanArgs(['--format', 'yaml']));
    expect(r.message).toBe("unknown format 'yaml'");
    expect(r.hint).toBe(`use one of: ${RENDER_FORMATS.join(', ')}`);
  });

  it('refuses an unknown option with the option meant, and a stray argument', () => {
    expect(refusal(() => parsePlanArgs(['--allow-replac'])).hint).toContain("did you mean '--allow-replace'?");
    expect(refusal(() => parsePlanArgs(['plan.json'])).message).toBe("unexpected argument 'plan.json'");
  });

  it('answers help', () => {
    expect(parsePlanArgs(['--target', 'x', '-h'])).toEqual({ help: true });
  });

  it('parses the same flags in any order to the same struct', () => {
    expectOrderFree(parsePlanArgs, [
      ['--dir', 'd'],
      ['--target', 't'],
      ['--out', 'o'],
      ['--format', 'runbook'],
      ['--allow-replace'],
      ['--detailed-exitcode'],
      ['--base', 'b'],
    ]);
  });

  it('never answers a format that is not a render format', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (f) => {
        try {
          const args = parsePlanArgs([`--format=${f}`]);
          expect(RENDER_FORMATS).toContain('format' in args ? args.format : '');
        } catch (error) {
          expect((error as Error).name).toBe('UserError');
        }
      }),
    );
  });
});
