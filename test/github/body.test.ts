/**
 * The sticky comment's body: marker, header, the Markdown rendering, the base-plan comparison.
 * What happens when GitHub's 65,536-character limit is in the way (big plans, a property over
 * sizes) is in test/slow/github/body-limits.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { commentBody } from '../../src/github/body.js';
import { stickyMarker } from '../../src/github/sticky.js';
import type { Plan } from '../../src/model/plan.js';
import { renderPlan } from '../../src/render/render-plan.js';
import { collectFingerprints } from '../../src/render/secret-display.js';
import { ownTagsOnly, unmentionedAts } from '../support/markdown-checks.js';
import { createPlan, hostilePlan, HOSTILE, makePlan, rotationPlan } from '../support/plans.js';
import { visible } from '../support/comment-plans.js';

const SHA = '3b18e512dba79e4c8300dd08aeb37f8e728b8dad';

describe('commentBody', () => {
  it('is the marker, a header naming the commit and target, then the Markdown rendering', () => {
    const plan = createPlan();
    const { body, marker, truncated, summary } = commentBody(plan);
    expect(marker).toBe(stickyMarker(plan.target));
    const lines = body.split('\n');
    expect(lines[0]).toBe(marker);
    expect(lines[1]).toBe(`Plan for commit ${SHA}, target local:\\.connectorops/local\\.db. This comment is updated on every push.`);
    expect(body).toContain(renderPlan(plan, 'markdown', { color: false }).trimEnd());
    expect(truncated).toBe(false);
    expect(summary).toBe(body);
    expect(body.endsWith('\n')).toBe(true);
  });

  it('names the working tree when the plan has no commit', () => {
    const plan = makePlan({ source: { ref: null, commit: null, manifestDigest: 'sha256:x' } });
    expect(commentBody(plan).body.split('\n')[1]).toBe(
      'Plan for the working tree (no commit), target local:\\.connectorops/local\\.db. This comment is updated on every push.',
    );
  });

  it('is the same for the same plan: no clock, nothing from the run', () => {
    const plan = rotationPlan();
    expect(commentBody(plan).body).toBe(commentBody(JSON.parse(JSON.stringify(plan)) as Plan).body);
  });

  it('prints no fingerprint (S2)', () => {
    const plan = rotationPlan();
    const fingerprints = collectFingerprints(plan);
    expect(fingerprints.length).toBeGreaterThan(0);
    const { body } = commentBody(plan, { basePlan: createPlan() });
    for (const fp of fingerprints) expect(body).not.toContain(fp.slice(-20));
  });

  it('puts the base-plan comparison after the summary and before the detail', () => {
    const plan = rotationPlan();
    const { body } = commentBody(plan, { basePlan: makePlan() });
    const at = body.indexOf("#### Compared with the base branch's plan");
    expect(at).toBeGreaterThan(body.indexOf('authorizations will be revoked'));
    expect(at).toBeLessThan(body.indexOf('<details>'));
    expect(body).toContain('**+1 action, 3 new revocations**');
  });

  it('escapes every hostile string: no HTML but ours, no mention, <details> balanced', () => {
    const plan = hostilePlan();
    const { body } = commentBody(plan, { basePlan: makePlan() });
    const text = visible(body);
    expect(text).not.toContain(HOSTILE.html);
    expect(text).not.toContain('<img');
    expect(ownTagsOnly(text)).toEqual([]);
    expect(unmentionedAts(text)).toEqual([]);
    expect(text.match(/<details>/g)?.length).toBe(text.match(/<\/details>/g)?.length);
  });

  it('escapes a hostile target in the header and keeps it out of the marker', () => {
    const target = '</details><img src=x onerror=alert(1)> @org/team -->';
    const { body, marker } = commentBody(makePlan({ target }));
    expect(marker).toBe(`<!-- connectorops:plan target=${encodeURIComponent(target)} -->`);
    expect(ownTagsOnly(visible(body))).toEqual([]);
    expect(unmentionedAts(visible(body))).toEqual([]);
  });
});
