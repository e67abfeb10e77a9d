/**
 * `plan --base REF`: a plan of one change (a pull request's own), not of every difference between
 * the manifests and the target (docs/planning.md, "--base").
 *
 * The change is the set of resources whose manifests differ between REF and the desired
 * manifests. The plan keeps their actions and every action those need (transitively, over
 * `dependsOn`), so that its order still holds; everything else is left out.
 */
import { canonicalJson } from '../model/canonical.js';
import type { DesiredState } from '../model/types.js';
import { resourceKey } from './input.js';
import type { Node } from './steps.js';

/** The resources (`resourceKey`) added, removed or changed between `base` and `head`. */
export function changedResources(base: DesiredState, head: DesiredState): Set<string> {
  const out = new Set<string>();
  const compare = <T extends { source: unknown }>(kind: 'Connector' | 'Connection', a: Map<string, T>, b: Map<string, T>) => {
    for (const [linkName, x] of a) {
      const y = b.get(linkName);
      if (!y || comparable(x) !== comparable(y)) out.add(resourceKey(kind, linkName));
    }
    for (const linkName of b.keys()) if (!a.has(linkName)) out.add(resourceKey(kind, linkName));
  };
  compare('Connector', base.connectors, head.connectors);
  compare('Connection', base.connections, head.connections);
  return out;
}

/** A manifest without where it was written: moving a document between files is no change. */
function comparable(value: { source: unknown }): string {
  const { source: _source, ...rest } = value;
  return canonicalJson(rest);
}

/**
 * The actions of the resources in `scope`, and every action they need: their dependencies,
 * transitively. Two things come along whole, so that a scoped plan never leaves a resource
 * worse off than it found it:
 * - a temporary enable brings its disable (R7): a connector is never left enabled;
 * - an action of a replacement brings every action of the replaced resource (R10, R12): a
 *   connection deleted because its connector is replaced is also recreated.
 */
export function scopeClosure(nodes: readonly Node[], scope: ReadonlySet<string>): Set<Node> {
  const byResource = new Map<string, Node[]>();
  for (const n of nodes) {
    const list = byResource.get(n.resource);
    if (list) list.push(n);
    else byResource.set(n.resource, [n]);
  }
  const kept = new Set<Node>();
  const work: Node[] = nodes.filter((n) => scope.has(n.resource));
  while (work.length) {
    const n = work.pop()!;
    if (kept.has(n)) continue;
    kept.add(n);
    for (const d of n.deps) if (!kept.has(d.node)) work.push(d.node);
    if (n.pair && !kept.has(n.pair)) work.push(n.pair);
    if (n.replace) for (const m of byResource.get(n.resource)!) if (!kept.has(m)) work.push(m);
  }
  return kept;
}
