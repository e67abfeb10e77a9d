/** The snapshot document (contracts.md, "Snapshot JSON"): `target export` writes it, `target import` reads it. */
import type { ConnectionRecord, SecretName, Stage } from './types.js';

export interface SnapshotConnector {
  linkName: string;
  name: string;
  description: string;
  stage: Stage;
  enabled: boolean;
  /** Authentication as in a manifest, without secrets; apiKey may be flat or a `parameters` list. */
  authentication: Record<string, unknown> & { type: string };
  secretFingerprints?: Partial<Record<SecretName, string>>;
}

/** A connection is written exactly as a target holds it. */
export type SnapshotConnection = ConnectionRecord;

export interface Snapshot {
  formatVersion: 1;
  /** What the exported target stands for: its mode and account (`target export` only). */
  target?: { mode: 'simulated' | 'ledger'; account: string | null };
  connectors: SnapshotConnector[];
  connections: SnapshotConnection[];
}
