/**
 * What Creator says about authentication parameters: which are mandatory (R2a), which revoke
 * authorizations when changed (R5), and which scope edits a ready connector refuses (R4).
 * Change a parameter list here and every layer follows.
 */
import type { Authentication, AuthParameter, AuthType, ConnectorRecord, SecretName } from '../model/types.js';
import { authParameter, SECRET_PARAMETERS } from '../model/types.js';
import { fingerprintsComparable } from '../model/fingerprint.js';

/**
 * R2a: the mandatory parameters the authentication lacks. `secretsPresent` says which secrets
 * are set (a manifest reference, or a fingerprint the target holds).
 */
export function missingMandatory(auth: Authentication, secretsPresent: ReadonlySet<SecretName>): string[] {
  const missing: string[] = [];
  const need = (present: unknown, name: string) => {
    if (present === undefined || present === null || present === '') missing.push(name);
  };
  switch (auth.type) {
    case 'apiKey':
      if (auth.parameters.length === 0) missing.push('parameterKey');
      auth.parameters.forEach((p, i) => need(p.parameterKey, auth.parameters.length > 1 ? `parameters[${i}].parameterKey` : 'parameterKey'));
      break;
    case 'basic':
      break;
    case 'oauth1':
      need(auth.consumerKey, 'consumerKey');
      if (!secretsPresent.has('consumerSecret')) missing.push('consumerSecret');
      need(auth.requestTokenUrl, 'requestTokenUrl');
      need(auth.authorizeUrl, 'authorizeUrl');
      need(auth.accessTokenUrl, 'accessTokenUrl');
      break;
    case 'oauth2':
      need(auth.grantType, 'grantType');
      need(auth.clientId, 'clientId');
      if (!secretsPresent.has('clientSecret')) missing.push('clientSecret');
      if (auth.grantType === 'authorization_code') need(auth.authorizeUrl, 'authorizeUrl');
      need(auth.accessTokenUrl, 'accessTokenUrl');
      break;
  }
  return missing;
}

/** R5: the non-secret parameters whose change revokes every authorized connection. */
const REVOKING_PARAMETERS: Readonly<Record<AuthType, readonly (AuthParameter | 'parameterKey')[]>> = {
  apiKey: ['parameterKey'],
  basic: [],
  oauth1: ['consumerKey'],
  oauth2: ['grantType', 'clientId'],
};

export interface AuthSide {
  authentication: Authentication;
  /** Fingerprints of the secrets; a missing one is "not recorded". */
  fingerprints: ConnectorRecord['secretFingerprints'];
}

/**
 * R5: the parameters whose change from `before` to `after` revokes the authorizations of the
 * connector's authorized connections. A secret whose earlier fingerprint was not recorded is
 * adopted, not changed (docs/targets.md, "Snapshots"), so it revokes nothing. So is one whose earlier
 * fingerprint was made under another key (a snapshot imported from another target): the two
 * fingerprints cannot tell whether the secret changed (model/fingerprint.ts).
 * A type change (R3) discards every parameter; it only happens in draft, where nothing is authorized,
 * but it is reported as `type` for completeness.
 */
export function revokingChanges(before: AuthSide, after: AuthSide): string[] {
  if (before.authentication.type !== after.authentication.type) return ['type'];
  const causes: string[] = [];
  const type = before.authentication.type;
  for (const param of REVOKING_PARAMETERS[type]) {
    if (param === 'parameterKey') {
      const keys = (a: Authentication) => (a.type === 'apiKey' ? a.parameters.map((p) => p.parameterKey).join('\u0000') : '');
      if (keys(before.authentication) !== keys(after.authentication)) causes.push('parameterKey');
      continue;
    }
    if (authParameter(before.authentication, param) !== authParameter(after.authentication, param)) causes.push(param);
  }
  for (const secret of SECRET_PARAMETERS[type]) {
    const b = before.fingerprints[secret];
    const a = after.fingerprints[secret];
    if (b !== undefined && a !== undefined && fingerprintsComparable(a, b) && a !== b) causes.push(secret);
  }
  return causes;
}

/** R4: scopes of a ready OAuth2 connector that `after` removes (or renames). */
export function removedScopes(before: Authentication, after: Authentication): string[] {
  if (before.type !== 'oauth2') return [];
  const kept = new Set(after.type === 'oauth2' ? after.scopes : []);
  return before.scopes.filter((s) => !kept.has(s));
}

/** The scopes a connection of this connector may ask for: none unless OAuth2. */
export function availableScopes(auth: Authentication): ReadonlySet<string> | null {
  return auth.type === 'oauth2' ? new Set(auth.scopes) : null;
}
