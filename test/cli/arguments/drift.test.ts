import { describe, expect, it } from 'vitest';
import { parseDriftArgs } from '../../../src/cli/arguments/drift.js';
import { expectOrderFree, refusal } from '../../support/arguments.js';

describe('parseDriftArgs', () => {
  it('defaults: text, a rollout stale after 7 days, no repository (no issue kept)', () => {
    expect(parseDriftArgs([])).toStrictEqual({ staleAfterDays: 7, format: 'text' });
  });

  it('reads every flag', () => {
    expect(
      parseDriftArgs(['--dir', 'd', '--ref', 'main', '--target', 'production', '--repo', 'acme/infra', '--stale-after', '14', '--format', 'markdown']),
    ).toStrictEqual({ dir: 'd', ref: 'main', target: 'production', repo: 'acme/infra', staleAfterDays: 14, format: 'markdown' });
  });

  it('takes 0 (any open rollout is stale) up to 3650 days, and refuses anything else with the default in the hint', () => {
    expect(parseDriftArgs(['--stale-after', '0'])).toMatchObject({ staleAfterDays: 0 });
    expect(parseDriftArgs(['--stale-after', '3650'])).toMatchObject({ staleAfterDays: 3650 });
    for (const bad of ['-1', '1.5', '3651', '', 'a week', '7d', '1e3']) {
      const r = refusal(() => parseDriftArgs([`--stale-after=${bad}`]));
      expect(r.message).toBe(`--stale-after takes a whole number of days from 0 to 3650, not ${JSON.stringify(bad)}`);
      expect(r.hint).toContain('the default is 7');
    }
  });

  it('refuses an unknown format, listing the formats', () => {
    const r = refusal(() => parseDriftArgs(['--format', 'runbook']));
    expect(r.message).toBe("unknown format 'runbook'");
    expect(r.hint).toBe('use one of: text, json, markdown');
  });

  it('refuses an empty --repo', () => {
    expect(refusal(() => parseDriftArgs(['--repo', ' '])).message).toBe('--repo needs OWNER/NAME (like acme/infra)');
  });

  it('refuses an unknown option with the option meant, and a stray argument', () => {
    expect(refusal(() => parseDriftArgs(['--stale', '3'])).hint).toContain("did you mean '--stale-after'?");
    expect(refusal(() => parseDriftArgs(['production'])).message).toBe("unexpected argument 'production'");
  });

  it('answers help', () => {
    expect(parseDriftArgs(['--help'])).toEqual({ help: true });
  });

  it('parses the same flags in any order to the same struct', () => {
    expectOrderFree(parseDriftArgs, [
      ['--dir', 'd'],
      ['--ref', 'r'],
      ['--target', 't'],
      ['--repo', 'o/n'],
      ['--stale-after', '3'],
      ['--format', 'json'],
    ]);
  });
});
