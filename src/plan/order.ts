/**
 * Stage 3b, order: graph algorithms over the steps, knowing no rules.
 *
 * - `propagateBlocked`: an action that waits, directly or not, for a blocked one is blocked too.
 * - `topologicalOrder`: Kahn's algorithm with a priority queue, so that the order is
 *   deterministic and readable: among the actions that are ready, the first by phase (tear down
 *   connections, tear down connectors, build connectors, build connections), then kind, then
 *   link name, then op. O((n + e) log n).
 */
import { InternalError } from '../errors.js';
import { MinHeap } from '../util/heap.js';
import type { Op } from '../model/actions.js';
import type { RuleId } from '../model/types.js';
import type { Node } from './steps.js';

const PHASE: Readonly<Record<Op, number>> = {
  'connection.disable': 0,
  'connection.delete': 0,
  'connector.disable': 1,
  'connector.delete': 1,
  'connector.create': 2,
  'connector.update': 2,
  'connector.enable': 2,
  'connector.markReady': 2,
  'connection.create': 3,
  'connection.update': 3,
  'connection.enable': 3,
};

/** Within one resource, the order its actions read in when nothing else decides. */
const OP_RANK: Readonly<Record<Op, number>> = {
  'connection.disable': 0,
  'connection.delete': 1,
  'connection.create': 2,
  'connection.update': 3,
  'connection.enable': 4,
  'connector.disable': 0,
  'connector.delete': 1,
  'connector.create': 2,
  'connector.update': 3,
  'connector.enable': 4,
  'connector.markReady': 5,
};

function comparePriority(a: Node, b: Node): number {
  const pa = PHASE[a.body.op];
  const pb = PHASE[b.body.op];
  if (pa !== pb) return pa - pb;
  if (a.body.kind !== b.body.kind) return a.body.kind === 'Connector' ? -1 : 1;
  if (a.body.linkName !== b.body.linkName) return a.body.linkName < b.body.linkName ? -1 : 1;
  return OP_RANK[a.body.op] - OP_RANK[b.body.op];
}

/** For each node: the nodes that depend on it. */
function dependents(nodes: readonly Node[]): Node[][] {
  const out: Node[][] = nodes.map(() => []);
  for (const n of nodes) for (const d of n.deps) out[d.node.index]!.push(n);
  return out;
}

export interface BlockedVia {
  /** The blocked action it waits for (directly). */
  via: Node;
  rules: RuleId[];
}

/**
 * Every node that is blocked: the roots (their own `blocked` is set) map to null; every node
 * that waits for a blocked one maps to the first blocked dependency found (breadth first, so the
 * nearest root's chain). A replacement is one unit: when any of its actions is blocked, all the
 * actions of the replaced resource are, so that a plan never lists a deletion whose recreation
 * it cannot carry out.
 */
export function propagateBlocked(nodes: readonly Node[]): Map<Node, BlockedVia | null> {
  const blocked = new Map<Node, BlockedVia | null>();
  const queue: Node[] = [];
  for (const n of nodes) {
    if (n.blocked.length) {
      blocked.set(n, null);
      queue.push(n);
    }
  }
  if (!queue.length) return blocked;
  const after = dependents(nodes);
  const byResource = new Map<string, Node[]>();
  for (const n of nodes) {
    const list = byResource.get(n.resource);
    if (list) list.push(n);
    else byResource.set(n.resource, [n]);
  }
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i]!;
    for (const m of after[n.index]!) {
      if (blocked.has(m)) continue;
      const edge = m.deps.find((d) => d.node === n)!;
      blocked.set(m, { via: n, rules: edge.rules });
      queue.push(m);
    }
    if (!n.replace) continue;
    for (const m of byResource.get(n.resource)!) {
      if (blocked.has(m)) continue;
      blocked.set(m, { via: n, rules: n.rules.filter((r) => r === 'R10' || r === 'R12').slice(0, 1) });
      queue.push(m);
    }
  }
  return blocked;
}

/**
 * `nodes` in an order where every node comes after its dependencies. Every dependency must be
 * among `nodes`. A cycle is a bug in steps.ts: InternalError, naming the actions in it.
 */
export function topologicalOrder(nodes: readonly Node[]): Node[] {
  // Rank every node by priority once, so the heap compares integers. Ranks and positions live in
  // arrays by Node.index (every node of the step list has one), not in Maps keyed by node.
  let size = 0;
  for (const n of nodes) if (n.index >= size) size = n.index + 1;
  const byPriority = [...nodes].sort(comparePriority);
  const rank = new Int32Array(size);
  byPriority.forEach((n, i) => (rank[n.index] = i));
  const local = new Int32Array(size).fill(-1);
  nodes.forEach((n, i) => (local[n.index] = i));
  const waiting = new Int32Array(nodes.length);
  const after: number[][] = nodes.map(() => []);
  nodes.forEach((n, i) => {
    for (const d of n.deps) {
      const j = d.node.index < size ? local[d.node.index]! : -1;
      if (j < 0) throw new InternalError(`action ${describe(n)} depends on ${describe(d.node)}, which is not in the plan`);
      waiting[i]!++;
      after[j]!.push(i);
    }
  });

  const heap = new MinHeap();
  nodes.forEach((n, i) => {
    if (waiting[i] === 0) heap.push(rank[n.index]!);
  });
  const out: Node[] = [];
  for (let top = heap.pop(); top !== undefined; top = heap.pop()) {
    const n = byPriority[top]!;
    out.push(n);
    for (const j of after[local[n.index]!]!) {
      if (--waiting[j]! === 0) heap.push(rank[nodes[j]!.index]!);
    }
  }
  if (out.length !== nodes.length) {
    const stuck = nodes
      .filter((_, i) => waiting[i]! > 0)
      .slice(0, 10)
      .map(describe);
    throw new InternalError(`the planned actions wait for each other in a cycle: ${stuck.join(', ')}`);
  }
  return out;
}

function describe(n: Node): string {
  return `${n.body.op} '${n.body.linkName}'`;
}
