/**
 * Stage 2, consequences: what the differences entail beyond themselves.
 *
 * - A replaced connector (R2, R3, R4) takes its connections with it: they are deleted and
 *   recreated unauthorized (R10).
 * - A replacement (R10, R12) is never implicit: without `allowReplace` it is blocked, whole.
 * - A connection with usages cannot be deleted (R14), replacement or not, `allowReplace` or not.
 * - A protected resource (P1: a `protect:` pattern of connectorops.yaml) is never deleted or
 *   replaced, `allowReplace` or not.
 *
 * What follows from a blocked action for the actions that wait for it is the graph's business
 * (order.ts); this stage only names the roots.
 */
import picomatch from 'picomatch';
import { describeAuthorization, isAuthorized } from '../model/authorizations.js';
import { accessRemovalBlock } from './access.js';
import type { Blocked } from '../model/plan.js';
import type { ConnectionRecord } from '../model/types.js';
import type { Change, ConnectionDiff, ConnectorDiff, Diff, Forced } from './diff.js';
import { agree } from '../util/text.js';

export interface ConnectorFate {
  diff: ConnectorDiff;
  fate: Change;
  /** R10: the replacement, in words, for the actions and for `blocked`. */
  reason?: string;
  /** Why nothing of this connector may happen (a replacement not allowed). */
  blocked: readonly Blocked[];
}

export interface ConnectionFate {
  diff: ConnectionDiff;
  fate: Change;
  /** For a replacement: R10 (its connector is replaced) or R12 (its connector changes). */
  replaceRule?: 'R10' | 'R12' | 'R19';
  /** For a replacement: the fields that force it, as revokedAuthorizations cites them. */
  cause: readonly string[];
  reason?: string;
  /** Why nothing of this connection may happen (a replacement not allowed). */
  blocked: readonly Blocked[];
  /** R14: why its deletion may not happen (it has usages). */
  deleteBlocked: Blocked | null;
}

export interface Consequences {
  connectors: Map<string, ConnectorFate>;
  /**
   * In the diff's order. A list, not a Map by link name: a 100k plan would index every connection
   * for the few later stages look up, and those reach theirs through their actions (Node.fate).
   */
  connections: ConnectionFate[];
}

// Most resources change in no way that needs these: share one empty list rather than make 100k.
const NONE: readonly string[] = [];
const NONE_BLOCKED: readonly Blocked[] = [];

const ALLOW_HINT = 'review what the replacement loses, then plan again with --allow-replace; or change the manifest back';

export function consequences(d: Diff, allowReplace: boolean, protect: readonly string[] = []): Consequences {
  const connectors = new Map<string, ConnectorFate>();
  const connections: ConnectionFate[] = [];

  for (const cd of d.connectors) {
    const fate: ConnectorFate = { diff: cd, fate: cd.change, blocked: NONE_BLOCKED };
    if (cd.change === 'replace') fate.reason = forcedText(cd.forced);
    connectors.set(cd.linkName, fate);
  }

  // Connections of each replaced connector, for R10 and for the words of its blocked entry.
  const lostBy = new Map<string, ConnectionFate[]>();
  for (const cd of d.connections) {
    const fate: ConnectionFate = { diff: cd, fate: cd.change, cause: NONE, blocked: NONE_BLOCKED, deleteBlocked: null };
    const cur = cd.current;
    const parent = cur ? connectors.get(cur.connector) : undefined;
    if (cd.change === 'replace') {
      // R12: its connector changes; R19: its authorization owner changes.
      fate.replaceRule = cd.forced.some((f) => f.rule === 'R12') ? 'R12' : 'R19';
      fate.cause = cd.forced.flatMap((f) => f.cause);
      fate.reason = forcedText(cd.forced);
    } else if (cur && parent?.fate === 'replace' && cd.desired) {
      // R10: its connector is replaced, so it is deleted and recreated with it.
      fate.fate = 'replace';
      fate.replaceRule = 'R10';
      fate.cause = parent.diff.forced.flatMap((f) => f.cause);
      fate.reason = `recreated unauthorized, because connector '${cur.connector}' is replaced (R10)`;
    }
    if (cur && parent?.fate === 'replace') {
      const list = lostBy.get(cur.connector) ?? [];
      list.push(fate);
      lostBy.set(cur.connector, list);
    }
    if ((fate.fate === 'delete' || fate.fate === 'replace') && cur && cur.usages.length) {
      fate.deleteBlocked = usagesBlock(cur);
    }
    // A2: taking an application out of Connection Access while it still calls the connection.
    const cut = fate.fate === 'update' && cur && cd.desired ? accessRemovalBlock(cur, cd.desired) : null;
    if (cut) fate.blocked = [cut];
    connections.push(fate);
  }

  if (!allowReplace) {
    for (const fate of connectors.values()) {
      if (fate.fate !== 'replace') continue;
      fate.blocked = [
        {
          kind: 'Connector',
          linkName: fate.diff.linkName,
          rule: 'R10',
          message: connectorReplacementMessage(fate.diff, lostBy.get(fate.diff.linkName) ?? []),
          hint: ALLOW_HINT,
        },
      ];
    }
    for (const fate of connections) {
      if (fate.fate !== 'replace') continue;
      const cd = fate.diff;
      const lost = authorizationText(cd.current!);
      const message =
        fate.replaceRule !== 'R10'
          ? `${forcedText(cd.forced)}: it would be deleted and recreated unauthorized${lost}; --allow-replace was not given`
          : `connection '${cd.linkName}' would be deleted and recreated unauthorized${lost}, because connector '${cd.current!.connector}' must be replaced (R10); --allow-replace was not given`;
      fate.blocked = [{ kind: 'Connection', linkName: cd.linkName, rule: fate.replaceRule!, message, hint: ALLOW_HINT }];
    }
  }
  if (protect.length) protectFrom(protect, connectors, connections);
  return { connectors, connections };
}

/**
 * P1: a connector or connection that a `protect:` pattern matches is neither deleted nor
 * replaced. The patterns come from the desired source's connectorops.yaml, not from the
 * resource's own manifest, so deleting the manifest does not lift the protection (the hole in
 * Terraform's prevent_destroy).
 */
function protectFrom(patterns: readonly string[], connectors: Map<string, ConnectorFate>, connections: readonly ConnectionFate[]): void {
  const matchers = patterns.map((p) => ({ pattern: p, test: picomatch(p) }));
  const protectedBy = (linkName: string) => matchers.find((m) => m.test(linkName))?.pattern;
  const block = (kind: Blocked['kind'], linkName: string, fate: Change, pattern: string): Blocked => ({
    kind,
    linkName,
    rule: 'P1',
    message: `${kind.toLowerCase()} '${linkName}' is protected by the pattern '${pattern}' in connectorops.yaml: the plan would ${fate === 'delete' ? 'delete' : 'replace'} it (P1)`,
    hint:
      fate === 'delete'
        ? `restore its manifest; if deleting it is meant, first remove '${pattern}' from protect: in connectorops.yaml, in a reviewed change`
        : `change the manifest back; if replacing it is meant, first remove '${pattern}' from protect: in connectorops.yaml, in a reviewed change`,
  });
  for (const f of connectors.values()) {
    if (f.fate !== 'delete' && f.fate !== 'replace') continue;
    const pattern = protectedBy(f.diff.linkName);
    if (pattern !== undefined) f.blocked = [...f.blocked, block('Connector', f.diff.linkName, f.fate, pattern)];
  }
  for (const f of connections) {
    if (f.fate !== 'delete' && f.fate !== 'replace') continue;
    const pattern = protectedBy(f.diff.linkName);
    if (pattern !== undefined) f.blocked = [...f.blocked, block('Connection', f.diff.linkName, f.fate, pattern)];
  }
}

function forcedText(forced: readonly Forced[]): string {
  return forced.map((f) => f.message).join('; ');
}

function authorizationText(c: ConnectionRecord): string {
  if (!isAuthorized(c)) return '';
  return c.authorizations.length === 1
    ? `, losing the authorization of ${describeAuthorization(c.authorizations[0]!)}`
    : `, losing its ${c.authorizations.length} authorizations (${c.authorizations.map(describeAuthorization).join(', ')})`;
}

/** `lostFates`: the connector's connections (their fates), in the diff's order. */
function connectorReplacementMessage(cd: ConnectorDiff, lostFates: readonly ConnectionFate[]): string {
  const parts = [`connector '${cd.linkName}' must be replaced: ${forcedText(cd.forced)}`];
  const lost = lostFates.map((f) => f.diff.current!);
  if (lost.length) {
    const recreated = lostFates.filter((f) => f.replaceRule === 'R10').map((f) => `'${f.diff.current!.linkName}'`);
    const authorized = lost
      .filter(isAuthorized)
      .map(
        (c) => `'${c.linkName}' (${c.authorizations.map((a) => (a.environment === 'all' && a.user === undefined ? a.account : describeAuthorization(a))).join(', ')})`,
      );
    parts.push(
      `replacing it deletes its ${agree(lost.length, 'connection')} ${lost.map((c) => `'${c.linkName}'`).join(', ')} (R10)` +
        (recreated.length ? ` and recreates ${recreated.join(', ')} unauthorized` : ''),
    );
    if (authorized.length) parts.push(`the authorizations of ${authorized.join(', ')} are lost`);
  }
  parts.push('a replacement is never done implicitly, and --allow-replace was not given');
  return parts.join('; ');
}

/** R14: every usage, by application, component and kind (and, for one found in code, where). */
function usagesBlock(c: ConnectionRecord): Blocked {
  const list = c.usages.map((u) => `${u.app} › ${u.component} (${u.kind}${u.source === 'code' ? ` at ${u.file}:${u.line}:${u.col}` : ''})`).join(', ');
  return {
    kind: 'Connection',
    linkName: c.linkName,
    rule: 'R14',
    message: `connection '${c.linkName}' cannot be deleted while applications use it: ${list} (R14)`,
    hint: 'remove these usages from the applications first; connectorops never edits applications',
    usages: c.usages.map((u) => ({ ...u })),
  };
}
