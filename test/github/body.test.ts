/**
 * The sticky comment's body: marker, header, the Markdown rendering, the base-plan comparison,
 * and what happens when GitHub's 65,536-character limit is in the way.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commentBody, GITHUB_COMMENT_LIMIT, JOB_SUMMARY_LIMIT_BYTES } from '../../src/github/body.js';
import { stickyMarker } from '../../src/github/sticky.js';
import type { Plan } from '../../src/model/plan.js';
import { renderPlan } from '../../src/render/render-plan.js';
import { collectFingerprints } from '../../src/render/secret-display.js';
import { ownTagsOnly, unmentionedAts } from '../support/markdown-checks.js';
import { blockedPlan, connectorCreate, connectorSpec, createPlan, hostilePlan, HOSTILE, lifecycle, makePlan, rotationPlan } from '../support/plans.js';

const SHA = '3b18e512dba79e4c8300dd08aeb37f8e728b8dad';

/** Everything but the marker line: the marker is the only HTML comment we write. */
const visible = (body: string) => body.split('\n').slice(1).join('\n');

/** Thousands of new connectors (long detail), a few revocations and a blocked item. */
function hugePlan(connectors = 200): Plan {
  return makePlan({
    actions: Array.from({ length: connectors }, (_, i) =>
      connectorCreate(`a${i + 1}`, `connector_${i}`, connectorSpec({ name: `Connector number ${i}`, description: 'A connector made to fill the detail of a plan' })),
    ),
    revokedAuthorizations: [
      { connection: 'crm_sales', connector: 'crm', environment: 'all', account: 'alice', cause: ['clientId'], rule: 'R5' },
      { connection: 'crm_ops', connector: 'crm', environment: 'all', account: 'carol', cause: ['clientSecret'], rule: 'R5' },
    ],
    blocked: [{ kind: 'Connection', linkName: 'crm_old', rule: 'R14', message: "connection 'crm_old' cannot be deleted while applications use it (R14)" }],
  });
}

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

describe('commentBody over the size limit', () => {
  it('keeps the summary, revocations and blocked items, leaves the detail out, and says where it is', () => {
    const plan = hugePlan();
    const full = renderPlan(plan, 'markdown', { color: false });
    expect(full.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT);

    const { body, truncated, summary } = commentBody(plan);
    expect(truncated).toBe(true);
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(body.split('\n')[0]).toBe(stickyMarker(plan.target));
    expect(body).toContain('**Plan: 200 to create, 0 to update, 0 to delete. 2 authorizations will be revoked.**');
    expect(body).toContain('| crm\\_sales | alice | crm | clientId changed | R5 |');
    expect(body).toContain('| crm\\_ops | carol | crm | clientSecret changed | R5 |');
    expect(body).toContain('**connection crm\\_old** (R14)');
    expect(body).not.toContain('<details>');
    expect(body).toContain('**The detail of this plan is left out here**');
    expect(body).toContain('GitHub holds at most 65,536 characters');
    expect(body).toContain('job summary');
    // The job summary gets all of it.
    expect(summary).toContain(full.trimEnd());
  });

  it('cuts at a line when even the summary is too long, and still fits', () => {
    const revoked = Array.from({ length: 3000 }, (_, i) => ({
      connection: `connection_${i}`,
      connector: 'crm',
      environment: 'all' as const,
      account: `account_${i}`,
      cause: ['clientId'],
      rule: 'R5' as const,
    }));
    const plan = makePlan({ actions: [lifecycle('a1', 'connector.enable', 'crm')], revokedAuthorizations: revoked });
    const { body, truncated } = commentBody(plan);
    expect(truncated).toBe(true);
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(body.split('\n')[0]).toBe(stickyMarker(plan.target));
    expect(body).toContain('**This plan is cut short here**');
    expect(body).toContain('| connection\\_0 | account\\_0 |');
  });

  it('always fits, always starts with the marker, and is truncated exactly when the whole would not fit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1_500, max: 20_000 }),
        (creates, revokes, blocked, limit) => {
          const plan = makePlan({
            actions: Array.from({ length: creates }, (_, i) => connectorCreate(`a${i + 1}`, `c${i}`)),
            revokedAuthorizations: Array.from({ length: revokes }, (_, i) => ({
              connection: `n${i}`,
              connector: 'crm',
              environment: 'all' as const,
              account: `@acct${i}`,
              cause: ['clientId'],
              rule: 'R5' as const,
            })),
            blocked: Array.from({ length: blocked }, (_, i) => ({ kind: 'Connection' as const, linkName: `b${i}`, rule: 'R14' as const, message: HOSTILE.html })),
          });
          const whole = commentBody(plan);
          const fitted = commentBody(plan, { limit });
          expect(fitted.body.length).toBeLessThanOrEqual(limit);
          expect(fitted.body.split('\n')[0]).toBe(whole.marker);
          expect(fitted.truncated).toBe(whole.body.length > limit);
          if (!fitted.truncated) expect(fitted.body).toBe(whole.body);
          expect(ownTagsOnly(visible(fitted.body))).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('cuts the job summary too when it is over 1 MB, which GitHub would drop whole', () => {
    const plan = hugePlan(1500);
    expect(renderPlan(plan, 'markdown', { color: false }).length).toBeGreaterThan(JOB_SUMMARY_LIMIT_BYTES);
    const { summary } = commentBody(plan);
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(JOB_SUMMARY_LIMIT_BYTES);
    expect(summary).toContain('**The detail of this plan is left out here**');
    expect(summary).toContain("this run's `connectorops-plan` artifact");
  });

  it('blocked plans keep their caution block when truncated', () => {
    const plan = { ...hugePlan(), blocked: blockedPlan().blocked };
    const { body } = commentBody(plan);
    expect(body).toContain('[!CAUTION]');
    expect(body).toContain('**connector crm** (R10)');
  });
});
