/**
 * The domain model shared by every layer: what a connector and a connection are, in the
 * desired state (manifests) and in the current state (a target). Pure data, no behaviour.
 */

import * as z from 'zod';

/**
 * zod compiles a parser for each object schema (`new Function`) the first time it parses: a cost
 * paid per schema, per process, that a command parsing a few dozen documents never earns back
 * (bench/startup.bench.js), and that even 12,000 manifests did not (bench/validate.bench.js ran
 * faster without it). Every schema is defined on top of this module, so this runs before any parse.
 */
z.config({ jitless: true });

/**
 * Every rule id the code cites: N (names), R (lifecycle), A (Connection Access), S (secrets), P (protected resources).
 * Add a rule here and its id type-checks everywhere (errors, violations, plans, plan files).
 */
const RULE_IDS = [
  'N1',
  'N2',
  'N3',
  'R1',
  'R2',
  'R2a',
  'R2b',
  'R3',
  'R4',
  'R5',
  'R6',
  'R7',
  'R8',
  'R9',
  'R10',
  'R11',
  'R12',
  'R13',
  'R14',
  'R15',
  'R16',
  'R17',
  'R18',
  'R19',
  'R20',
  'A1',
  'A2',
  'S1',
  'S2',
  'P1',
] as const;
export const RuleIdSchema = z.enum(RULE_IDS);
export type RuleId = z.output<typeof RuleIdSchema>;

/**
 * Why a target refuses an action: a rule, or, where no rule id says it, that the resource is not
 * there (or is there already) or that its scopes do not fit its connector.
 */
export const RefusalCodeSchema = z.enum([...RULE_IDS, 'exists', 'scopes']);
export type RefusalCode = z.output<typeof RefusalCodeSchema>;

/**
 * What a diagnostic is about: a refusal code, or the form of the input (`yaml`, `json`, `schema`,
 * `kind`, `config`, …) or a finding of the planner. A new kind of finding is added here; a new
 * rule gets a rule id in RULE_IDS instead.
 */
export const DiagnosticCodeSchema = z.enum([
  ...RefusalCodeSchema.options,
  'yaml',
  'json',
  'schema',
  'kind',
  'config',
  'reference',
  'unused',
  'base',
  'outside-change',
  'secret-adopted',
  'secret-unset',
  'deluge',
  'usage-dynamic',
  'usage-unknown-connection',
  // A manifest file refused before it is parsed: not UTF-8, over 1 MiB, a symbolic link that leaves --dir.
  'encoding',
  'size',
  'symlink',
]);
export type DiagnosticCode = z.output<typeof DiagnosticCodeSchema>;

/** A non-empty string: every parameter, scope and usage field. */
const Text = z.string().min(1);

export const StageSchema = z.enum(['draft', 'ready']);
type Stage = z.output<typeof StageSchema>;
const AddToSchema = z.enum(['header', 'query', 'form']);
const GrantTypeSchema = z.enum(['authorization_code', 'client_credentials']);
const ScopeSeparatorSchema = z.enum([',', ' ', '+']);
/** OAuth2 sends its token in a header or the query (not in a form, unlike an apiKey parameter). */
const OAuth2AddToSchema = z.enum(['header', 'query']);

/** The names of secret parameters (S1): only ever given by reference, only ever stored as fingerprints. */
export type SecretName = 'clientSecret' | 'consumerSecret';

export const ApiKeyParameterSchema = z.object({ parameterKey: Text, displayName: Text.optional(), addTo: AddToSchema.optional() }).strict();
export type ApiKeyParameter = z.output<typeof ApiKeyParameterSchema>;

/*
 * Authentication without its secrets, one schema per type. Mandatory parameters are optional here
 * because a `draft` connector may lack them; R2a demands them only for `ready`.
 * apiKey is always a list in the model; the written forms (manifests, snapshots) extend these
 * schemas: one apiKey parameter may be written flat (`ApiKeyWrittenSchema`), manifests add the
 * secret references and check URLs.
 */
const ApiKeySchema = z.object({ type: z.literal('apiKey'), parameters: z.array(ApiKeyParameterSchema) }).strict();

/** apiKey as manifests and snapshots may write it: one parameter flat, or a `parameters` list. */
export const ApiKeyWrittenSchema = z
  .object({
    type: z.literal('apiKey'),
    ...ApiKeyParameterSchema.partial().shape,
    parameters: z.array(ApiKeyParameterSchema).optional(),
  })
  .strict();

/** The keys of a flat apiKey parameter. */
export const API_KEY_FLAT_KEYS = ['parameterKey', 'displayName', 'addTo'] as const;

/**
 * What is wrong with how a written apiKey gives its parameters, naming the first flat key at
 * fault: both flat keys and a list (`mixed`), or flat keys without a parameterKey (`noKey`).
 * Each written form words its own message.
 */
export function apiKeyFormProblem(auth: z.output<typeof ApiKeyWrittenSchema>): { key: (typeof API_KEY_FLAT_KEYS)[number]; problem: 'mixed' | 'noKey' } | null {
  const flat = API_KEY_FLAT_KEYS.filter((k) => auth[k] !== undefined);
  const key = flat[0];
  if (key === undefined) return null;
  if (auth.parameters !== undefined) return { key, problem: 'mixed' };
  if (auth.parameterKey === undefined) return { key, problem: 'noKey' };
  return null;
}

export const BasicSchema = z.object({ type: z.literal('basic') }).strict();

export const OAuth1Schema = z
  .object({
    type: z.literal('oauth1'),
    consumerKey: Text.optional(),
    requestTokenUrl: Text.optional(),
    authorizeUrl: Text.optional(),
    accessTokenUrl: Text.optional(),
  })
  .strict();

export const OAuth2Schema = z
  .object({
    type: z.literal('oauth2'),
    grantType: GrantTypeSchema.optional(),
    clientId: Text.optional(),
    authorizeUrl: Text.optional(),
    accessTokenUrl: Text.optional(),
    refreshTokenUrl: Text.optional(),
    scopes: z.array(Text).default([]),
    scopeSeparator: ScopeSeparatorSchema.default(','),
    addTo: OAuth2AddToSchema.optional(),
  })
  .strict();

/** Authentication in the model's form: apiKey always as a `parameters` list. */
export const AuthenticationSchema = z.discriminatedUnion('type', [ApiKeySchema, BasicSchema, OAuth1Schema, OAuth2Schema]);
export type Authentication = z.output<typeof AuthenticationSchema>;
export type AuthType = Authentication['type'];

/**
 * The parameters each authentication type has besides apiKey's list and the secrets, in the order
 * manifests, snapshots and plans write them (the schemas' order). The diff, the comparison, the
 * snapshot conversion, the runbook's field labels and the import writer all walk this one list.
 */
export const AUTH_PARAMETERS = {
  apiKey: [],
  basic: [],
  oauth1: parameterKeys(OAuth1Schema),
  oauth2: parameterKeys(OAuth2Schema),
} as const satisfies Record<AuthType, readonly string[]>;

function parameterKeys<S extends z.ZodObject>(schema: S): readonly Exclude<keyof S['shape'] & string, 'type'>[] {
  return Object.keys(schema.shape).filter((key) => key !== 'type') as Exclude<keyof S['shape'] & string, 'type'>[];
}

/** The name of any parameter in AUTH_PARAMETERS. */
export type AuthParameter = (typeof AUTH_PARAMETERS)[AuthType][number];

/** The value of parameter `key` of an authentication (undefined when absent). */
export function authParameter(auth: Authentication, key: AuthParameter): unknown {
  return (auth as Partial<Record<AuthParameter, unknown>>)[key];
}

/**
 * Authentication as flat `path → value` pairs, type first, then the parameters in AUTH_PARAMETERS
 * order, absent ones left out: the form a reader scans, the runbook types and the diff compares.
 * apiKey parameters are written flat (`authentication.parameterKey`), as a manifest writes a single
 * one, or, when `indexed`, by position (`authentication.parameters[1].parameterKey`).
 */
export function flattenAuthentication(auth: Authentication, indexed = auth.type === 'apiKey' && auth.parameters.length > 1): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [['authentication.type', auth.type]];
  const put = (path: string, value: unknown) => {
    if (value !== undefined) out.push([`authentication.${path}`, value]);
  };
  if (auth.type === 'apiKey') {
    auth.parameters.forEach((p, i) => {
      const at = indexed ? `parameters[${i}].` : '';
      for (const key of API_KEY_FLAT_KEYS) put(`${at}${key}`, p[key]);
    });
  } else {
    for (const key of AUTH_PARAMETERS[auth.type]) put(key, authParameter(auth, key));
  }
  return out;
}

/** Which secret parameters each authentication type has. */
export const SECRET_PARAMETERS: Readonly<Record<AuthType, readonly SecretName[]>> = {
  apiKey: [],
  basic: [],
  oauth1: ['consumerSecret'],
  oauth2: ['clientSecret'],
};

/** The public half of each secret, which a manifest writes just before it. */
export const SECRET_PAIRED_WITH = { consumerSecret: 'consumerKey', clientSecret: 'clientId' } as const satisfies Record<SecretName, AuthParameter>;

/** A secret as a manifest names it (S1). */
export interface SecretRef {
  fromEnv: string;
}

/** Creator 6's environments, in the order an application is published through them. */
export const ENVIRONMENTS = ['development', 'stage', 'production'] as const;
export const EnvironmentSchema = z.enum(ENVIRONMENTS);
export type Environment = z.output<typeof EnvironmentSchema>;

/**
 * Where an authorization holds: `all` for a connection with one authorization for every
 * environment (Creator's "Always use the same authorization for all environments"), else one environment.
 */
export const AuthorizationEnvironmentSchema = z.enum(['all', ...ENVIRONMENTS]);
export type AuthorizationEnvironment = z.output<typeof AuthorizationEnvironmentSchema>;

/** Creator's "Authorization Owner": an admin authorizes once, or each logged-in user for themselves. */
export const AuthorizationOwnerSchema = z.enum(['admin', 'user']);
type AuthorizationOwner = z.output<typeof AuthorizationOwnerSchema>;

/** One authorization a target holds: its environment, the account, and for a user connection the user who gave it. */
export const AuthorizationSchema = z.object({ environment: AuthorizationEnvironmentSchema, account: Text, user: Text.optional() }).strict();
export type Authorization = z.output<typeof AuthorizationSchema>;

/**
 * A reference to a connection from an application. A target records them (snapshot `usages`,
 * `UsageSchema`); the planner also finds them in Deluge code kept in Git (usages/). Never in manifests.
 */
export const UsageSchema = z.object({ app: Text, component: Text, kind: Text }).strict();
/**
 * A usage as a plan lists it: after the contract's fields, where the planner learned of it.
 * `code` comes with the call's position (`file` relative to the manifest directory, 1-based
 * `line`, `col`); a target's own records carry none of these.
 */
export const PlanUsageSchema = UsageSchema.extend({
  source: z.enum(['target', 'code']).optional(),
  file: z.string().optional(),
  line: z.number().int().positive().optional(),
  col: z.number().int().positive().optional(),
}).strict();
export type Usage = z.output<typeof PlanUsageSchema>;

/** Keyed hashes of the secrets a target was given (S2). Absent: not recorded. */
export const FingerprintsSchema = z.object({ clientSecret: Text.optional(), consumerSecret: Text.optional() }).strict();

/** A connector as a target holds it. */
export const ConnectorRecordSchema = z
  .object({
    linkName: z.string(),
    name: z.string(),
    description: z.string(),
    stage: StageSchema,
    enabled: z.boolean(),
    authentication: AuthenticationSchema,
    secretFingerprints: FingerprintsSchema,
  })
  .strict();
export type ConnectorRecord = z.output<typeof ConnectorRecordSchema>;

/** A connection as a target holds it. */
export const ConnectionRecordSchema = z
  .object({
    linkName: z.string(),
    name: z.string(),
    connector: z.string(),
    enabled: z.boolean(),
    scopes: z.array(Text),
    authorizationOwner: AuthorizationOwnerSchema,
    sameAuthorizationForAllEnvironments: z.boolean(),
    /** Connection Access: the applications that may use it; absent when the manifests do not manage it. */
    access: z.array(Text).optional(),
    /** One entry per authorization held (an empty list: unauthorized). */
    authorizations: z.array(AuthorizationSchema),
    usages: z.array(PlanUsageSchema),
  })
  .strict();
export type ConnectionRecord = z.output<typeof ConnectionRecordSchema>;

/** The current state of an account. Maps are keyed by linkName. */
export interface State {
  connectors: Map<string, ConnectorRecord>;
  connections: Map<string, ConnectionRecord>;
}

/** A state to read, never to change (the rules check one; a store writes its rows from one). */
export interface ReadonlyState {
  readonly connectors: ReadonlyMap<string, ConnectorRecord>;
  readonly connections: ReadonlyMap<string, ConnectionRecord>;
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
  authorizationOwner: AuthorizationOwner;
  sameAuthorizationForAllEnvironments: boolean;
  /** Connection Access (absent: not managed). */
  access?: string[];
  source: SourceLocation;
}

export interface DesiredState {
  connectors: Map<string, DesiredConnector>;
  connections: Map<string, DesiredConnection>;
}
