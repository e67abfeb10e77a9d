/**
 * The domain model shared by every layer: what a connector and a connection are, in the
 * desired state (manifests) and in the current state (a target). Pure data, no behaviour.
 * Rule ids refer to ../shared/docs/creator-rules.md (copied into docs/creator-rules.md).
 */

export type RuleId =
  | 'N1' | 'N2' | 'N3'
  | 'R1' | 'R2' | 'R2a' | 'R2b' | 'R3' | 'R4' | 'R5' | 'R6' | 'R7' | 'R8' | 'R9' | 'R10'
  | 'R11' | 'R12' | 'R13' | 'R14' | 'R15' | 'R16' | 'R17'
  | 'S1' | 'S2'
  // Ours, not Creator's: a resource that connectorops.yaml protects is never deleted or replaced.
  | 'P1';

export type AuthType = 'apiKey' | 'basic' | 'oauth1' | 'oauth2';
export type Stage = 'draft' | 'ready';
export type AddTo = 'header' | 'query' | 'form';
export type GrantType = 'authorization_code' | 'client_credentials';
export type ScopeSeparator = ',' | ' ' | '+';

/** The names of secret parameters (S1): only ever given by reference, only ever stored as fingerprints. */
export type SecretName = 'clientSecret' | 'consumerSecret';

export interface ApiKeyParameter {
  parameterKey: string;
  displayName?: string;
  addTo?: AddTo;
}

/**
 * Authentication without its secrets. Mandatory parameters are optional here because a `draft`
 * connector may lack them; R2a demands them only for `ready`.
 * apiKey is always a list internally; manifests and snapshots may write a single parameter flat.
 */
export type Authentication =
  | { type: 'apiKey'; parameters: ApiKeyParameter[] }
  | { type: 'basic' }
  | {
      type: 'oauth1';
      consumerKey?: string;
      requestTokenUrl?: string;
      authorizeUrl?: string;
      accessTokenUrl?: string;
    }
  | {
      type: 'oauth2';
      grantType?: GrantType;
      clientId?: string;
      authorizeUrl?: string;
      accessTokenUrl?: string;
      refreshTokenUrl?: string;
      scopes: string[];
      scopeSeparator: ScopeSeparator;
      addTo?: 'header' | 'query';
    };

/**
 * The parameters each authentication type has besides apiKey's list and the secrets, in the order
 * manifests, snapshots and plans write them. The diff, the snapshot conversion and the comparison
 * all walk this one list.
 */
export const AUTH_PARAMETERS = {
  apiKey: [],
  basic: [],
  oauth1: ['consumerKey', 'requestTokenUrl', 'authorizeUrl', 'accessTokenUrl'],
  oauth2: ['grantType', 'clientId', 'authorizeUrl', 'accessTokenUrl', 'refreshTokenUrl', 'scopes', 'scopeSeparator', 'addTo'],
} as const satisfies Record<AuthType, readonly string[]>;

/** The value of parameter `key` of an authentication (undefined when absent). */
export function authParameter(auth: Authentication, key: string): unknown {
  return (auth as unknown as Record<string, unknown>)[key];
}

/** Which secret parameters each authentication type has. */
export const SECRET_PARAMETERS: Readonly<Record<AuthType, readonly SecretName[]>> = {
  apiKey: [],
  basic: [],
  oauth1: ['consumerSecret'],
  oauth2: ['clientSecret'],
};

/** A secret as a manifest names it (S1). */
export interface SecretRef {
  fromEnv: string;
}

export type Authorization = { status: 'authorized'; account: string } | { status: 'unauthorized' };

/** A reference to a connection from an application. Lives in the target, never in manifests. */
export interface Usage {
  app: string;
  component: string;
  kind: string;
}

/** A connector as a target holds it. */
export interface ConnectorRecord {
  linkName: string;
  name: string;
  description: string;
  stage: Stage;
  enabled: boolean;
  authentication: Authentication;
  /** Keyed hashes of the secrets the target was given (S2). Absent: not recorded. */
  secretFingerprints: Partial<Record<SecretName, string>>;
}

/** A connection as a target holds it. */
export interface ConnectionRecord {
  linkName: string;
  name: string;
  connector: string;
  enabled: boolean;
  scopes: string[];
  authorization: Authorization;
  usages: Usage[];
}

/** The current state of an account. Maps are keyed by linkName. */
export interface State {
  connectors: Map<string, ConnectorRecord>;
  connections: Map<string, ConnectionRecord>;
}

/** Where a document, or a field of it, was written. Lines and columns are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** A connector as the manifests want it: defaults applied, secrets as references. */
export interface DesiredConnector {
  linkName: string;
  name: string;
  description: string;
  stage: Stage;
  enabled: boolean;
  authentication: Authentication;
  secrets: Partial<Record<SecretName, SecretRef>>;
  source: SourceLocation;
}

/** A connection as the manifests want it: defaults applied. */
export interface DesiredConnection {
  linkName: string;
  name: string;
  connector: string;
  enabled: boolean;
  scopes: string[];
  source: SourceLocation;
}

export interface DesiredState {
  connectors: Map<string, DesiredConnector>;
  connections: Map<string, DesiredConnection>;
}

export function emptyState(): State {
  return { connectors: new Map(), connections: new Map() };
}
