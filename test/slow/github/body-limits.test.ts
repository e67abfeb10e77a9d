/**
 * The sticky comment's body when GitHub's 65,536-character limit (and the job summary's 1 MB)
 * is in the way: plans of thousands of lines, and a property over sizes (the slow tier: big
 * texts; the body's other tests are test/github/body.test.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commentBody, GITHUB_COMMENT_LIMIT, JOB_SUMMARY_LIMIT_BYTES } from '../../../src/github/body.js';
import { stickyMarker } from '../../../src/github/sticky.js';
import { renderPlan } from '../../../src/render/render-plan.js';
import { ownTagsOnly } from '../../support/markdown-checks.js';
import { blockedPlan, connectorCreate, HOSTILE, lifecycle, makePlan } from '../../support/plans.js';
import { hugePlan, visible } from '../../support/comment-plans.js';

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
