import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { SENSITIVE } from '../../src/model/actions.js';
import { isRenderFormat, RENDER_FORMATS, renderPlan } from '../../src/render/render-plan.js';
import { collectFingerprints, isSecretPath, redactFingerprints, secretDisplay } from '../../src/render/secret-display.js';
import { createPlan, emptyPlan, fingerprint, rotationPlan } from '../support/plans.js';

describe('renderPlan', () => {
  it('renders every format, each ending with one newline', () => {
    for (const format of RENDER_FORMATS) {
      const out = renderPlan(createPlan(), format, { color: false });
      expect(out.endsWith('\n')).toBe(true);
      expect(out.endsWith('\n\n')).toBe(false);
    }
  });

  it('is a pure function: same plan, same output; the plan is not changed', () => {
    const plan = rotationPlan();
    const before = JSON.stringify(plan);
    for (const format of RENDER_FORMATS) expect(renderPlan(plan, format, { color: true })).toBe(renderPlan(rotationPlan(), format, { color: true }));
    expect(JSON.stringify(plan)).toBe(before);
  });

  it('refuses an unknown format with a hint', () => {
    expect(() => renderPlan(emptyPlan(), 'yaml' as never, { color: false })).toThrow(UserError);
    expect(isRenderFormat('markdown')).toBe(true);
    expect(isRenderFormat('html')).toBe(false);
  });
});

describe('redaction helpers (S2)', () => {
  it('recognizes secret paths', () => {
    expect(isSecretPath('authentication.clientSecret')).toBe(true);
    expect(isSecretPath('consumerSecret')).toBe(true);
    expect(isSecretPath('authentication.clientId')).toBe(false);
  });

  it('shows only markers for a secret, whatever the plan holds', () => {
    expect(secretDisplay('(sensitive, changed)')).toBe('(sensitive, changed)');
    expect(secretDisplay('hunter2')).toBe(SENSITIVE);
    expect(secretDisplay({ fromEnv: 'X', fingerprint: 'abc' })).toBe(SENSITIVE);
    expect(secretDisplay(null)).toBeNull();
  });

  it('collects fingerprints at any depth, and blanks them in output', () => {
    const fps = collectFingerprints(rotationPlan());
    expect(fps).toEqual([fingerprint('crm-secret-2')]);
    expect(redactFingerprints(`x ${fps[0]} y`, fps)).toBe('x (sensitive) y');
  });

  it('leaves short strings alone: they are not plausible fingerprints, and blanking them would mangle text', () => {
    const plan = createPlan();
    const a1 = plan.actions[0]!;
    if (a1.op === 'connector.create') a1.spec.secrets = { clientSecret: { fromEnv: 'E', fingerprint: 'crm' } };
    expect(collectFingerprints(plan)).toEqual([]);
    expect(renderPlan(plan, 'text', { color: false })).toContain('connector "crm"');
  });
});
