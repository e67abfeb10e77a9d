/** The snapshot document (contracts.md, "Snapshot JSON"): `target export` writes it, `target import` reads it. */
import type { Authorization, SecretName, Stage, Usage } from './types.js';

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

export interface SnapshotConnection {
  linkName: string;
  name: string;
  connector: string;
  enabled: boolean;
  scopes: string[];
  authorization: Authorization;
  usages: Usage[];
}

export interface Snapshot {
  formatVersion: 1;
  connectors: SnapshotConnector[];
  connections: SnapshotConnection[];
}
