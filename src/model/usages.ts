/**
 * Usages found in Deluge code kept in Git (src/usages/), as the planner takes them. Pure data.
 */
import type { Usage } from './types.js';

/** The only kind of usage code scanning finds: `invokeurl [ … connection: "x" ]`. */
export const INVOKEURL_KIND = 'deluge-invokeurl';

/** One `invokeurl` call that names a connection, where it is written. */
export interface CodeUsage {
  /** The connection's link name, as the code writes it. */
  connection: string;
  /** The application: a `.ds` export's `application "Name"`, or a loose script's path. */
  app: string;
  /** `workflow:NAME (form F, on add, on validate)`, `function:NAME`, `schedule:NAME`, `script`, … */
  component: string;
  kind: typeof INVOKEURL_KIND;
  /** Relative to the manifest directory, `/`-separated. */
  file: string;
  /** 1-based; points at the `connection` key. */
  line: number;
  col: number;
}

/** `apps/orders.ds:412:5` for a usage found in code; null for one a target records. */
export function usageLocation(u: Usage): string | null {
  return u.source === 'code' && u.file !== undefined ? `${u.file}:${u.line ?? 1}:${u.col ?? 1}` : null;
}
