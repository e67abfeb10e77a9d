/**
 * Stage 0, usages: the target's records and the calls found in code, as one list per connection.
 *
 * The planner treats a usage from code as it treats one the target records: deleting or replacing
 * a used connection is blocked (R14), disabling it lists the impact (R15). Each usage says where
 * it came from (`source`: `target`, or `code` with its position). A usage both know (same
 * application, component and kind) is listed once, as code: its position says more.
 */
import type { PlanWarning } from '../model/plan.js';
import type { ConnectionRecord, DesiredState, State, Usage } from '../model/types.js';
import type { CodeUsage } from '../model/usages.js';
import { closest } from '../util/text.js';
import { byString } from '../util/text.js';

export interface UsagesInState {
  /** `state` with every connection's usages merged and labelled; `state` itself when nothing changes. */
  state: State;
  /** Usages of connections that no manifest and no target defines. */
  warnings: PlanWarning[];
}

export function mergeUsages(state: State, desired: DesiredState, code: readonly CodeUsage[]): UsagesInState {
  const byConnection = new Map<string, CodeUsage[]>();
  for (const u of code) {
    const list = byConnection.get(u.connection);
    if (list) list.push(u);
    else byConnection.set(u.connection, [u]);
  }
  let connections: Map<string, ConnectionRecord> | null = null;
  for (const c of state.connections.values()) {
    const fromCode = byConnection.get(c.linkName);
    if (!c.usages.length && !fromCode) continue;
    connections ??= new Map(state.connections);
    connections.set(c.linkName, { ...c, usages: merged(c.usages, fromCode ?? []) });
  }

  const warnings: PlanWarning[] = [];
  // The link names a typo may come from, listed only for a usage of an unknown connection: at
  // 100k connections the list is a measurable part of a plan that has none (issue 25).
  let known: string[] | null = null;
  for (const [connection, list] of [...byConnection].sort(([a], [b]) => byString(a, b))) {
    if (state.connections.has(connection) || desired.connections.has(connection)) continue;
    const where =
      list
        .slice(0, 3)
        .map((u) => `${u.file}:${u.line}:${u.col}`)
        .join(', ') + (list.length > 3 ? ` and ${list.length - 3} more` : '');
    known ??= [...new Set([...state.connections.keys(), ...desired.connections.keys()])];
    const guess = closest(connection, known);
    warnings.push({
      code: 'usage-unknown-connection',
      message:
        `Deluge code calls connection '${connection}' (${where}), which no manifest and no target defines` +
        (guess ? `: did you mean '${guess}'?` : ': a typo in the code, or a connection made outside Git?'),
    });
  }
  return { state: connections ? { connectors: state.connectors, connections } : state, warnings };
}

function merged(target: readonly Usage[], code: readonly CodeUsage[]): Usage[] {
  const key = (u: { app: string; component: string; kind: string }) => `${u.app}\u0000${u.component}\u0000${u.kind}`;
  const inCode = new Set(code.map(key));
  const out: Usage[] = [];
  for (const u of target) if (!inCode.has(key(u))) out.push({ app: u.app, component: u.component, kind: u.kind, source: 'target' });
  const seen = new Set<string>();
  for (const u of code) {
    const at = `${key(u)}\u0000${u.file}:${u.line}:${u.col}`;
    if (seen.has(at)) continue;
    seen.add(at);
    out.push({ app: u.app, component: u.component, kind: u.kind, source: 'code', file: u.file, line: u.line, col: u.col });
  }
  return out;
}
