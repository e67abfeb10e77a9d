/**
 * Which dropped authorized connections a newly created connection takes the place of (a linkName
 * change, R12): the same connector and the same name, else the only one dropped and the only one
 * created under that connector. Indexed, so that it is linear in the size of the change (a list
 * scan per dropped connection made the 100k plan quadratic, issue 25); a property test checks it
 * against the simple version it replaced.
 */

/** A connection as this matching sees it. */
export interface NamedConnection {
  linkName: string;
  connector: string;
  name: string;
}

/**
 * Old link name → new one. `gone`: the dropped authorized connections, `created`: the connections
 * created (not as replacements), each in plan order: earlier ones are matched first.
 */
export function matchLinkNameChanges(gone: readonly NamedConnection[], created: readonly NamedConnection[]): Map<string, string> {
  const out = new Map<string, string>();
  if (!created.length || !gone.length) return out;
  // First the same connector and name: per (connector, name), the created ones in order; each
  // match takes the first not yet taken, and only these matches take from these queues.
  const byName = new Map<string, { list: NamedConnection[]; next: number }>();
  for (const x of created) {
    const key = `${x.connector}\u0000${x.name}`;
    const queue = byName.get(key);
    if (queue) queue.list.push(x);
    else byName.set(key, { list: [x], next: 0 });
  }
  const taken = new Set<string>();
  for (const cur of gone) {
    const queue = byName.get(`${cur.connector}\u0000${cur.name}`);
    if (!queue || queue.next >= queue.list.length) continue;
    const same = queue.list[queue.next++]!;
    out.set(cur.linkName, same.linkName);
    taken.add(same.linkName);
  }
  // Then per connector: the one still unmatched dropped and the one still untaken created.
  const unmatched = new Map<string, number>();
  for (const cur of gone) if (!out.has(cur.linkName)) unmatched.set(cur.connector, (unmatched.get(cur.connector) ?? 0) + 1);
  if (!unmatched.size) return out;
  const fresh = new Map<string, NamedConnection[]>();
  for (const x of created) {
    if (taken.has(x.linkName) || !unmatched.has(x.connector)) continue;
    const list = fresh.get(x.connector);
    if (list) list.push(x);
    else fresh.set(x.connector, [x]);
  }
  for (const cur of gone) {
    if (out.has(cur.linkName)) continue;
    const candidates = fresh.get(cur.connector);
    if (unmatched.get(cur.connector) !== 1 || candidates?.length !== 1) continue;
    out.set(cur.linkName, candidates[0]!.linkName);
    unmatched.set(cur.connector, 0);
    fresh.set(cur.connector, []);
  }
  return out;
}
