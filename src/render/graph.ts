/**
 * A plan's actions (or a rollout's steps) as a dependency graph: a layered layout that the studio
 * draws as SVG (docs/studio.md), and a Mermaid flowchart for the pull-request comment
 * (docs/github.md). Pure functions of a list of nodes with their dependencies.
 */
import type { PlannedAction } from '../model/actions.js';
import type { Plan } from '../model/plan.js';
import { stepTitle } from './resources.js';

/** One node: an action or a rollout step, with the ids it depends on. */
export interface GraphNode {
  id: string;
  /** What the node does, in words (user text inside: the caller has redacted it). */
  label: string;
  /** create, update, delete, replace, authorize, …: the drawing's colour. */
  tone: string;
  dependsOn: readonly string[];
}

interface PlacedNode extends GraphNode {
  /** The column: 0 for a node that depends on nothing, else one past its latest dependency. */
  layer: number;
  x: number;
  y: number;
}

export interface GraphLayout {
  nodes: PlacedNode[];
  edges: Array<{ from: string; to: string; path: string }>;
  width: number;
  height: number;
  nodeWidth: number;
  nodeHeight: number;
}

const NODE_WIDTH = 280;
const NODE_HEIGHT = 34;
const COLUMN_GAP = 70;
const ROW_GAP = 12;
const MARGIN = 10;

/**
 * Left to right, one column per layer (the longest chain of dependencies before a node). Within a
 * column, nodes sit in the order of the mean row of what they depend on (one barycentre pass),
 * then in the plan's order: edges mostly run straight, and 50 actions stay a few columns wide.
 * Dependencies on ids that are not nodes are ignored.
 */
export function layoutGraph(input: readonly GraphNode[]): GraphLayout {
  const byId = new Map(input.map((n) => [n.id, n]));
  const layer = new Map<string, number>();
  const layerOf = (id: string, seen: Set<string>): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0; // a cycle is not a plan's; never loop on one
    seen.add(id);
    const node = byId.get(id)!;
    let l = 0;
    for (const d of node.dependsOn) if (byId.has(d)) l = Math.max(l, layerOf(d, seen) + 1);
    layer.set(id, l);
    return l;
  };
  for (const n of input) layerOf(n.id, new Set());

  const columns: GraphNode[][] = [];
  for (const n of input) (columns[layer.get(n.id)!] ??= []).push(n);
  const row = new Map<string, number>();
  const order = new Map(input.map((n, i) => [n.id, i]));
  for (const column of columns) {
    const key = (n: GraphNode) => {
      const rows = n.dependsOn.map((d) => row.get(d)).filter((r): r is number => r !== undefined);
      return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : -1;
    };
    column.sort((a, b) => key(a) - key(b) || order.get(a.id)! - order.get(b.id)!);
    column.forEach((n, i) => row.set(n.id, i));
  }

  const nodes: PlacedNode[] = input.map((n) => ({
    ...n,
    layer: layer.get(n.id)!,
    x: MARGIN + layer.get(n.id)! * (NODE_WIDTH + COLUMN_GAP),
    y: MARGIN + row.get(n.id)! * (NODE_HEIGHT + ROW_GAP),
  }));
  const placed = new Map(nodes.map((n) => [n.id, n]));
  const edges: GraphLayout['edges'] = [];
  for (const n of nodes) {
    for (const d of n.dependsOn) {
      const from = placed.get(d);
      if (!from) continue;
      const x1 = from.x + NODE_WIDTH;
      const y1 = from.y + NODE_HEIGHT / 2;
      const x2 = n.x;
      const y2 = n.y + NODE_HEIGHT / 2;
      const bend = (x2 - x1) / 2;
      edges.push({ from: d, to: n.id, path: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}` });
    }
  }
  const tallest = Math.max(0, ...columns.map((c) => c.length));
  return {
    nodes,
    edges,
    width: MARGIN * 2 + Math.max(1, columns.length) * NODE_WIDTH + Math.max(0, columns.length - 1) * COLUMN_GAP,
    height: MARGIN * 2 + Math.max(1, tallest) * NODE_HEIGHT + Math.max(0, tallest - 1) * ROW_GAP,
    nodeWidth: NODE_WIDTH,
    nodeHeight: NODE_HEIGHT,
  };
}

/**
 * A Mermaid node label: every character but letters, digits, space and a few safe punctuation
 * marks becomes an entity code (`#34;`), so that no quote, bracket, backtick, `<`, `#` or line
 * break in a link name can end the label, start markup or close the Markdown code fence.
 */
export function escapeMermaidLabel(text: string): string {
  let out = '';
  for (const ch of text) out += /^[\p{L}\p{N} _.,:/()-]$/u.test(ch) ? ch : `#${ch.codePointAt(0)};`;
  return out;
}

/** Mermaid class definitions for the tones, one colour each (GitHub draws them in both themes). */
const MERMAID_CLASSES: Readonly<Record<string, string>> = {
  create: 'fill:#dafbe1,stroke:#1a7f37,color:#0b3d1a',
  update: 'fill:#fff8c5,stroke:#9a6700,color:#3b2600',
  delete: 'fill:#ffebe9,stroke:#cf222e,color:#5c0a10',
  replace: 'fill:#fbefff,stroke:#8250df,color:#2e0f5c',
  authorize: 'fill:#ddf4ff,stroke:#0969da,color:#032a56',
};

/** The graph as a Mermaid flowchart, left to right; node ids are the plan's own (a1, a2, …). */
export function mermaidFlowchart(nodes: readonly GraphNode[]): string[] {
  const ids = new Set(nodes.map((n) => n.id));
  const safeId = (id: string) => `n_${id.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const lines = ['flowchart LR'];
  for (const n of nodes) lines.push(`  ${safeId(n.id)}["${escapeMermaidLabel(`${n.id}. ${n.label}`)}"]`);
  for (const n of nodes) for (const d of n.dependsOn) if (ids.has(d)) lines.push(`  ${safeId(d)} --> ${safeId(n.id)}`);
  const tones = [...new Set(nodes.map((n) => n.tone))].filter((t) => MERMAID_CLASSES[t] !== undefined).sort();
  for (const tone of tones) {
    lines.push(`  classDef ${tone} ${MERMAID_CLASSES[tone]}`);
    lines.push(
      `  class ${nodes
        .filter((n) => n.tone === tone)
        .map((n) => safeId(n.id))
        .join(',')} ${tone}`,
    );
  }
  return lines;
}

/** A plan action's colour in the graph. */
export function actionTone(action: PlannedAction): string {
  if (action.replace) return 'replace';
  if (action.op.endsWith('.create')) return 'create';
  if (action.op.endsWith('.delete')) return 'delete';
  return 'update';
}

/** The plan's actions as graph nodes, titled as the steps list titles them (link names redacted and quoted by `quote`). */
export function planGraphNodes(plan: Plan, quote: (s: string) => string): GraphNode[] {
  return plan.actions.map((a) => ({ id: a.id, label: stepTitle(a, quote), tone: actionTone(a), dependsOn: a.dependsOn }));
}
