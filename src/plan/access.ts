/**
 * Connection Access (Creator's "Connection Access" section): the applications that may use a
 * connection. A Deluge call from any other application fails at run time. Managed only where a
 * manifest lists `access`. Two rules (docs/rules.md): A1, a usage from an application without
 * access is a warning at the call's `file:line:col`; A2, removing an application from `access`
 * while code in it uses the connection is blocked, like R14, with every usage listed.
 */
import type { Blocked, PlanWarning } from '../model/plan.js';
import type { ConnectionRecord, DesiredConnection, Usage } from '../model/types.js';
import { usageLocation } from '../model/usages.js';
import { agree } from '../util/text.js';

/** `sales › workflow:send (deluge-invokeurl at apps/sales.ds:12:5)`: one usage in a message. */
function usageText(u: Usage): string {
  const at = usageLocation(u);
  return `${u.app} › ${u.component} (${u.kind}${at !== null ? ` at ${at}` : ''})`;
}

/**
 * A2: the usages of `current` (the target's and the code's) in applications that `desired`
 * takes out of `access`; null when there are none. An application counts as having had access
 * when `access` was not managed before.
 */
export function accessRemovalBlock(current: ConnectionRecord, desired: DesiredConnection): Blocked | null {
  if (desired.access === undefined) return null;
  const keep = new Set(desired.access);
  const had = current.access === undefined ? null : new Set(current.access);
  const cut = current.usages.filter((u) => !keep.has(u.app) && (had === null || had.has(u.app)));
  if (!cut.length) return null;
  const apps = [...new Set(cut.map((u) => u.app))].sort();
  return {
    kind: 'Connection',
    linkName: current.linkName,
    rule: 'A2',
    message: `connection '${current.linkName}' loses Connection Access for ${apps.map((a) => `'${a}'`).join(', ')}, which still ${agree(cut.length, 'uses', 'use')} it: ${cut.map(usageText).join(', ')} (A2)`,
    hint: `remove these calls from the ${agree(apps.length, 'application')} first, or keep ${agree(apps.length, 'it', 'them')} in access:`,
    usages: cut.map((u) => ({ ...u })),
  };
}

/**
 * A1: a usage of a connection whose manifest lists `access`, from an application not in it: the
 * call will fail at run time. One warning per usage, naming the call's position when it was
 * found in code. Usages that `blocked` (A2) lists already are left out.
 */
export function accessWarnings(connections: Iterable<{ desired: DesiredConnection | null; usages: readonly Usage[] }>, blocked: ReadonlySet<string>): PlanWarning[] {
  const out: PlanWarning[] = [];
  for (const { desired, usages } of connections) {
    if (!desired || desired.access === undefined || blocked.has(desired.linkName)) continue;
    const allowed = new Set(desired.access);
    for (const u of usages) {
      if (allowed.has(u.app)) continue;
      const at = usageLocation(u);
      out.push({
        code: 'A1',
        kind: 'Connection',
        linkName: desired.linkName,
        message: `${at !== null ? `${at}: ` : ''}application '${u.app}' calls connection '${desired.linkName}' (${u.component}), but is not in its Connection Access (access: ${desired.access.join(', ') || 'none'}): the call will fail at run time (A1)`,
      });
    }
  }
  return out;
}
