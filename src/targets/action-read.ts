/**
 * A well-formed action read by hand: what `ActionBodySchema` (model/actions.ts) gives for it, built
 * and frozen in one pass over the input. zod's check of one action cost a target ~8–16 µs of CPU
 * an action, paid by the local target's `execute`, the HTTP client and the HTTP server alike
 * (issue 25); this costs a fraction of one. It decides nothing: anything it does not read as
 * well-formed, plain data goes to the schema, so every refusal still reads as the schema words it.
 * The property test (test/targets/action-read.property.test.ts) holds it to the schema: on plain
 * data it accepts exactly what the schema accepts, and gives an equal value with the same keys in
 * the same order. The same file pins the schema itself (a digest of its fields): a change to
 * ActionBodySchema fails there until this reader follows it.
 *
 * What it mirrors of zod's reading, field by field: a value is read once (`input[key]`, through
 * the prototype chain, as zod reads it) and what is kept is the value checked; an optional field
 * given as `undefined` is kept as `undefined` when its key is `in` the object, as zod keeps it; a
 * defaulted field (`description`, `secrets`, `fingerprint`, a connection's `scopes`, OAuth 2's
 * `scopes` and `scopeSeparator`) gets its default when it is `undefined`; an object parsed in
 * zod's "strip" mode (the action, a spec) keeps only its schema's keys and ignores the rest; a
 * strict one (a `set`, the secrets, an authentication, an apiKey parameter) refuses any other key
 * that `for…in` sees, as zod's strict check does.
 */
import type { ActionBody } from '../model/actions.js';

type Fields = Record<string, unknown>;

/**
 * The action as `ActionBodySchema.parse(value)` gives it, every object and array of it a fresh one;
 * null when `value` is not a well-formed action of plain data (the schema then decides). Everything
 * under the action object is frozen; the action object itself is left to the caller to mark as
 * checked and then freeze (parseAction), as a mark is best added before an object is frozen.
 */
export function readAction(value: unknown): ActionBody | null {
  try {
    // Built field by field after the schemas, so typed as plain fields here: the property test
    // holds the value equal to the schema's, whose type it is.
    return action(value) as unknown as ActionBody;
  } catch {
    // NOT_READ, or a getter of the input that threw: the schema reads the input again and says
    // what it finds (a getter that throws then throws there, as it did before this reader).
    return null;
  }
}

/** Thrown (one object, never a new Error: no stack to build) where the input leaves the common case. */
const NOT_READ = Object.freeze({ notRead: true });

function no(): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- a sentinel, caught in readAction only
  throw NOT_READ;
}

function action(value: unknown): Fields {
  const a = plain(value);
  const op = a.op;
  switch (op) {
    case 'connector.create':
      return { op, kind: connectorKind(a), linkName: string(a.linkName), spec: connectorSpec(a.spec) };
    case 'connector.update':
      return { op, kind: connectorKind(a), linkName: string(a.linkName), set: connectorSet(a.set) };
    case 'connection.create':
      return { op, kind: connectionKind(a), linkName: string(a.linkName), spec: connectionSpec(a.spec) };
    case 'connection.update':
      return { op, kind: connectionKind(a), linkName: string(a.linkName), set: connectionSet(a.set) };
    case 'connector.markReady':
    case 'connector.enable':
    case 'connector.disable':
    case 'connector.delete':
      return { op, kind: connectorKind(a), linkName: string(a.linkName) };
    case 'connection.enable':
    case 'connection.disable':
    case 'connection.delete':
      return { op, kind: connectionKind(a), linkName: string(a.linkName) };
    default:
      return no();
  }
}

function connectorKind(a: Fields): 'Connector' {
  return a.kind === 'Connector' ? 'Connector' : no();
}

function connectionKind(a: Fields): 'Connection' {
  return a.kind === 'Connection' ? 'Connection' : no();
}

// ConnectorSpecSchema (strip): name, description = '', authentication, secrets = {}.
function connectorSpec(value: unknown): Fields {
  const s = plain(value);
  const description = s.description;
  const secrets = s.secrets;
  return Object.freeze({
    name: string(s.name),
    description: description === undefined ? '' : string(description),
    authentication: authentication(s.authentication),
    secrets: secrets === undefined ? Object.freeze({}) : secretsOf(secrets),
  });
}

const CONNECTOR_SET_KEYS = new Set(['name', 'description', 'authentication', 'secrets']);

// ConnectorSetSchema (strict): each field optional, no defaults.
function connectorSet(value: unknown): Fields {
  const s = strict(value, CONNECTOR_SET_KEYS);
  const out: Fields = {};
  optional(s, 'name', string, out);
  optional(s, 'description', string, out);
  optional(s, 'authentication', authentication, out);
  optional(s, 'secrets', secretsOf, out);
  return Object.freeze(out);
}

// ConnectionSpecSchema (strip): name, connector, scopes = [], then three optional fields.
function connectionSpec(value: unknown): Fields {
  const s = plain(value);
  const scopes = s.scopes;
  const out: Fields = { name: string(s.name), connector: string(s.connector), scopes: scopes === undefined ? Object.freeze([]) : texts(scopes) };
  optional(s, 'authorizationOwner', authorizationOwner, out);
  optional(s, 'sameAuthorizationForAllEnvironments', boolean, out);
  optional(s, 'access', texts, out);
  return Object.freeze(out);
}

const CONNECTION_SET_KEYS = new Set(['name', 'scopes', 'sameAuthorizationForAllEnvironments', 'access']);

// ConnectionSetSchema (strict): each field optional, no defaults.
function connectionSet(value: unknown): Fields {
  const s = strict(value, CONNECTION_SET_KEYS);
  const out: Fields = {};
  optional(s, 'name', string, out);
  optional(s, 'scopes', texts, out);
  optional(s, 'sameAuthorizationForAllEnvironments', boolean, out);
  optional(s, 'access', texts, out);
  return Object.freeze(out);
}

const SECRETS_KEYS = new Set(['clientSecret', 'consumerSecret']);

// SecretsSchema (strict): clientSecret and consumerSecret, each optional.
function secretsOf(value: unknown): Fields {
  const s = strict(value, SECRETS_KEYS);
  const out: Fields = {};
  optional(s, 'clientSecret', plannedSecret, out);
  optional(s, 'consumerSecret', plannedSecret, out);
  return Object.freeze(out);
}

const PLANNED_SECRET_KEYS = new Set(['fromEnv', 'fingerprint']);

// PlannedSecretSchema (strict): fromEnv, fingerprint = null (a string or null).
function plannedSecret(value: unknown): Fields {
  const s = strict(value, PLANNED_SECRET_KEYS);
  const fingerprint = s.fingerprint;
  return Object.freeze({ fromEnv: string(s.fromEnv), fingerprint: fingerprint === undefined || fingerprint === null ? null : string(fingerprint) });
}

const BASIC_KEYS = new Set(['type']);
const API_KEY_KEYS = new Set(['type', 'parameters']);
const API_KEY_PARAMETER_KEYS = new Set(['parameterKey', 'displayName', 'addTo']);
const OAUTH1_KEYS = new Set(['type', 'consumerKey', 'requestTokenUrl', 'authorizeUrl', 'accessTokenUrl']);
const OAUTH2_KEYS = new Set(['type', 'grantType', 'clientId', 'authorizeUrl', 'accessTokenUrl', 'refreshTokenUrl', 'scopes', 'scopeSeparator', 'addTo']);

// AuthenticationSchema (model/types.ts): one strict object per `type`, in its schema's key order.
function authentication(value: unknown): Fields {
  const a = plain(value);
  switch (a.type) {
    case 'basic':
      strictKeys(a, BASIC_KEYS);
      return Object.freeze({ type: 'basic' });
    case 'apiKey':
      strictKeys(a, API_KEY_KEYS);
      return Object.freeze({ type: 'apiKey', parameters: listOf(a.parameters, apiKeyParameter) });
    case 'oauth1': {
      strictKeys(a, OAUTH1_KEYS);
      const out: Fields = { type: 'oauth1' };
      optional(a, 'consumerKey', text, out);
      optional(a, 'requestTokenUrl', text, out);
      optional(a, 'authorizeUrl', text, out);
      optional(a, 'accessTokenUrl', text, out);
      return Object.freeze(out);
    }
    case 'oauth2': {
      strictKeys(a, OAUTH2_KEYS);
      const out: Fields = { type: 'oauth2' };
      optional(a, 'grantType', grantType, out);
      optional(a, 'clientId', text, out);
      optional(a, 'authorizeUrl', text, out);
      optional(a, 'accessTokenUrl', text, out);
      optional(a, 'refreshTokenUrl', text, out);
      const scopes = a.scopes;
      out.scopes = scopes === undefined ? Object.freeze([]) : texts(scopes);
      const separator = a.scopeSeparator;
      out.scopeSeparator = separator === undefined ? ',' : separator === ',' || separator === ' ' || separator === '+' ? separator : no();
      optional(a, 'addTo', oauth2AddTo, out);
      return Object.freeze(out);
    }
    default:
      return no();
  }
}

// ApiKeyParameterSchema (strict): parameterKey, then displayName and addTo, each optional.
function apiKeyParameter(value: unknown): Fields {
  const p = strict(value, API_KEY_PARAMETER_KEYS);
  const out: Fields = { parameterKey: text(p.parameterKey) };
  optional(p, 'displayName', text, out);
  optional(p, 'addTo', apiKeyAddTo, out);
  return Object.freeze(out);
}

function grantType(value: unknown): string {
  return value === 'authorization_code' || value === 'client_credentials' ? value : no();
}

function oauth2AddTo(value: unknown): string {
  return value === 'header' || value === 'query' ? value : no();
}

function apiKeyAddTo(value: unknown): string {
  return value === 'header' || value === 'query' || value === 'form' ? value : no();
}

function authorizationOwner(value: unknown): string {
  return value === 'admin' || value === 'user' ? value : no();
}

/**
 * zod's `.optional()` field: absent, no key; `undefined` under a key the object has (`in`), the
 * key kept with `undefined`; anything else read by `read`.
 */
function optional(from: Fields, key: string, read: (value: unknown) => unknown, to: Fields): void {
  const value = from[key];
  if (value !== undefined) to[key] = read(value);
  else if (key in from) to[key] = undefined;
}

/**
 * An object a plan file or a request body holds (JSON.parse's or a literal's): anything else (a
 * class instance, an array, a proxy's odd prototype) is left to the schema.
 */
function plain(value: unknown): Fields {
  if (typeof value !== 'object' || value === null) return no();
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null ? (value as Fields) : no();
}

/** A plain object with no key outside `keys` (zod's strict check walks the same `for…in`). */
function strict(value: unknown, keys: ReadonlySet<string>): Fields {
  const o = plain(value);
  strictKeys(o, keys);
  return o;
}

function strictKeys(o: Fields, keys: ReadonlySet<string>): void {
  for (const key in o) if (!keys.has(key)) no();
}

function string(value: unknown): string {
  return typeof value === 'string' ? value : no();
}

/**
 * The schemas' Text, `z.string().min(1)`: zod counts code points, and a string of one UTF-16 unit
 * or more has at least one (a lone surrogate counts as one), so a length of 1 is the same test.
 */
function text(value: unknown): string {
  return typeof value === 'string' && value.length > 0 ? value : no();
}

function boolean(value: unknown): boolean {
  return typeof value === 'boolean' ? value : no();
}

function texts(value: unknown): readonly string[] {
  return listOf(value, text);
}

/** A fresh frozen array of each element read by `read` (a hole reads as undefined, as zod reads it). */
function listOf<T>(value: unknown, read: (item: unknown) => T): readonly T[] {
  if (!Array.isArray(value)) return no();
  const out: T[] = [];
  for (let i = 0; i < value.length; i++) out.push(read(value[i]));
  return Object.freeze(out);
}
