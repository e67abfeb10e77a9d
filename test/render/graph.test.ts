/**
 * The plan as a graph: the layered layout the studio draws, and the Mermaid block of the pull
 * request comment, parsed by the `mermaid` package's own parser (which needs a DOM for its
 * sanitizer: jsdom provides one, in this test only).
 */
import fc from 'fast-check';
import { JSDOM } from 'jsdom';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model/plan.js';
import { escapeMermaidLabel, layoutGraph, mermaidFlowchart, type GraphNode } from '../../src/render/graph.js';
import { MERMAID_MAX_ACTIONS } from '../../src/render/markdown.js';
import { renderPlan } from '../../src/render/render-plan.js';
import { connectorCreate, connectorSpec, disablePlan, fingerprint, HOSTILE, hostilePlan, lifecycle, makePlan, rotationPlan } from '../support/plans.js';

let parse: (text: string) => Promise<unknown>;

beforeAll(async () => {
  const dom = new JSDOM('<!doctype html><html><body></body></html>');
  Object.assign(globalThis, { window: dom.window, document: dom.window.document });
  const { default: mermaid } = await import('mermaid');
  parse = (text) => mermaid.parse(text);
});

const md = (plan: Plan) => renderPlan(plan, 'markdown', { color: false });

/** The Mermaid block of a comment, or null. */
function mermaidBlock(markdown: string): string | null {
  return /```mermaid\n([\s\S]*?)\n```/.exec(markdown)?.[1] ?? null;
}

/** A plan of `n` actions in chains of three (a1 → a2 → a3, a4 → a5 → a6, …). */
function planOf(n: number): Plan {
  return makePlan({
    actions: Array.from({ length: n }, (_, i) =>
      i % 3 === 0 ? connectorCreate(`a${i + 1}`, `c${i}`) : lifecycle(`a${i + 1}`, 'connector.markReady', `c${i}`, { dependsOn: [`a${i}`] }),
    ),
  });
}

describe('the Mermaid graph in the pull-request comment', () => {
  it('is folded under a summary line after the steps, and parses', async () => {
    const out = md(disablePlan());
    expect(out).toContain('<details><summary>Graph of the steps (3)</summary>\n\n```mermaid\nflowchart LR\n');
    const block = mermaidBlock(out)!;
    expect(block).toContain('n_a1["a1. disable connection #34;crm_sales#34;"]');
    expect(block).toContain('n_a1 --> n_a3');
    await expect(parse(block)).resolves.toMatchObject({ diagramType: 'flowchart-v2' });
  });

  it('escapes hostile link names and names for Mermaid, and shows no fingerprint', async () => {
    for (const plan of [hostilePlan(), rotationPlan()]) {
      const block = mermaidBlock(md(plan))!;
      await expect(parse(block)).resolves.toBeTruthy();
      for (const line of block.split('\n').filter((l) => l.includes('["'))) expect(line).toMatch(/^ {2}n_\w+\["[^"`<>[\]]*"\]$/);
      expect(block).not.toContain(fingerprint('old'));
    }
  });

  it('parses whatever a label holds', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'binary', maxLength: 30 }), { minLength: 1, maxLength: 4 }), async (labels) => {
        const nodes: GraphNode[] = labels.map((label, i) => ({ id: `a${i + 1}`, label, tone: 'create', dependsOn: i ? [`a${i}`] : [] }));
        await expect(parse(mermaidFlowchart(nodes).join('\n'))).resolves.toBeTruthy();
      }),
      { numRuns: 40 },
    );
    expect(escapeMermaidLabel(`a "b" <c> \`d\` #e; [f]`)).toBe('a #34;b#34; #60;c#62; #96;d#96; #35;e#59; #91;f#93;');
    expect(escapeMermaidLabel(HOSTILE.html)).not.toMatch(/[<>"]/);
  });

  it(`is drawn for up to ${MERMAID_MAX_ACTIONS} actions; beyond, the comment says the studio draws it`, async () => {
    const fits = md(planOf(MERMAID_MAX_ACTIONS));
    await expect(parse(mermaidBlock(fits)!)).resolves.toBeTruthy();
    const big = md(planOf(MERMAID_MAX_ACTIONS + 1));
    expect(mermaidBlock(big)).toBeNull();
    expect(big).toContain(
      `The graph of these ${MERMAID_MAX_ACTIONS + 1} steps is too large for a comment (more than ${MERMAID_MAX_ACTIONS}): \`connectorops studio\` draws it.`,
    );
  });

  it('is absent from a plan without actions', () => {
    expect(md(makePlan())).not.toContain('mermaid');
  });
});

/** Random dependency graphs: each node depends on some earlier ones (as a plan's actions do). */
const dags = fc.integer({ min: 1, max: 60 }).chain((n) =>
  fc
    .tuple(
      ...Array.from({ length: n }, (_, i) =>
        fc.subarray(
          Array.from({ length: i }, (_, j) => `a${j + 1}`),
          { maxLength: Math.min(3, i) },
        ),
      ),
    )
    .map((deps) => deps.map((dependsOn, i): GraphNode => ({ id: `a${i + 1}`, label: `step ${i + 1}`, tone: 'update', dependsOn }))),
);

describe('the layered layout the studio draws', () => {
  it('puts every node right of what it depends on, never two on one spot, all inside the picture', () => {
    fc.assert(
      fc.property(dags, (nodes) => {
        const g = layoutGraph(nodes);
        const at = new Map(g.nodes.map((n) => [n.id, n]));
        const spots = new Set(g.nodes.map((n) => `${n.x},${n.y}`));
        expect(spots.size).toBe(nodes.length);
        for (const n of g.nodes) {
          for (const d of n.dependsOn) expect(at.get(d)!.x + g.nodeWidth).toBeLessThan(n.x);
          expect(n.x + g.nodeWidth).toBeLessThanOrEqual(g.width);
          expect(n.y + g.nodeHeight).toBeLessThanOrEqual(g.height);
        }
        expect(g.edges).toHaveLength(nodes.reduce((k, n) => k + n.dependsOn.length, 0));
      }),
    );
  });

  it('keeps a plan of 50 actions a few columns wide: independent creates share the first column', () => {
    const plan = makePlan({
      actions: [
        ...Array.from({ length: 25 }, (_, i) => connectorCreate(`a${i + 1}`, `c${i}`, connectorSpec())),
        ...Array.from({ length: 25 }, (_, i) => lifecycle(`a${i + 26}`, 'connector.markReady', `c${i}`, { dependsOn: [`a${i + 1}`] })),
      ],
    });
    const g = layoutGraph(plan.actions.map((a) => ({ id: a.id, label: a.op, tone: 'create', dependsOn: a.dependsOn })));
    expect(new Set(g.nodes.map((n) => n.layer)).size).toBe(2);
    // Each markReady sits on the row of the create it follows: the edges run straight.
    for (const n of g.nodes.filter((x) => x.layer === 1)) expect(n.y).toBe(g.nodes.find((x) => x.id === n.dependsOn[0])!.y);
  });
});
