/**
 * The manifest documents (docs/manifests.md) and `connectorops.yaml` as zod schemas.
 * They describe the *shape*; the rules that need more than one field (R2, references, scopes)
 * are semantic checks in checks.ts. The JSON Schema in schema/ is generated from these.
 *
 * Our own checks raise issues with `params.rule` (N1, N2, N3, S1) so that issues.ts can cite the
 * rule as the diagnostic code; everything else zod finds is code `schema`.
 */
import * as z from 'zod';
import {
  API_KEY_FLAT_KEYS,
  apiKeyFormProblem,
  ApiKeyParameterSchema,
  ApiKeyWrittenSchema,
  BasicSchema,
  OAuth1Schema,
  OAuth2Schema,
  StageSchema,
  AuthorizationOwnerSchema,
  EnvironmentSchema,
} from '../model/types.js';
import { NAME_PATTERNS, descriptionProblem, linkNameProblem, nameProblem } from '../rules/names.js';

/**
 * Patterns for editors only (the JSON Schema): validation calls the rules/ functions, which are
 * the authority. A property test keeps the two in agreement. `\p{…}` needs a Unicode-aware
 * regex engine, which is what JSON Schema's ECMA-262 patterns are in editors (they try the u flag).
 */
export const PATTERNS = {
  ...NAME_PATTERNS,
  envName: '^[A-Za-z_][A-Za-z0-9_]*$',
  // A scope is one token: the separator (`,`, space or `+`) joins scopes, so it cannot be inside one.
  scope: '^[^\\s,+]+$',
} as const;

const ENV_NAME = new RegExp(PATTERNS.envName);
const SCOPE = new RegExp(PATTERNS.scope);

/** A string checked by one of the rules/ name functions; the issue carries the rule id. */
function ruled(rule: 'N1' | 'N2' | 'N3', problem: (s: string) => string | null, pattern: string, description: string) {
  return z
    .string()
    .superRefine((value, ctx) => {
      const why = problem(value);
      if (why) ctx.addIssue({ code: 'custom', message: why, params: { rule } });
    })
    .meta({ pattern, description });
}

const Name = ruled(
  'N1',
  nameProblem,
  PATTERNS.name,
  'N1: 1–50 characters; starts with a letter, a digit or _; other specials limited to * _ - @ / ! : | & ~ \\ + ( ) and space',
);
const Description = ruled('N2', descriptionProblem, PATTERNS.description, 'N2: at most 255 characters; specials limited to , . ( ) - _ * @ / \\ ! : | ~ &');
const LinkName = ruled('N3', linkNameProblem, PATTERNS.linkName, 'N3: a lower-case letter, then up to 49 of a-z, 0-9 and _');

const Url = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

const Scope = z.string().regex(SCOPE, { error: 'a scope is one non-empty token without spaces, commas or +' });

/**
 * S1: a secret is only ever named by reference. Anything but `{ fromEnv: NAME }` is refused, and
 * the message never quotes what was written (it may be the secret itself).
 */
function secretRef(param: string) {
  return z
    .object(
      {
        fromEnv: z.string().regex(ENV_NAME, { error: 'fromEnv names an environment variable: letters, digits and _, not starting with a digit' }),
      },
      {
        // issues.ts cites S1 for this issue: an error map can word a message but not add a code.
        error: (issue) => (issue.code === 'invalid_type' ? `${param} must be a reference { fromEnv: NAME }, never the secret itself` : undefined),
      },
    )
    .strict()
    .meta({ description: `S1: the environment variable that holds the ${param}` });
}

// The authentication documents extend the model's schemas (model/types.ts): a manifest may write
// one apiKey parameter flat, names its secrets by reference, and checks its URLs.

const ApiKeyParameterDoc = ApiKeyParameterSchema;

/**
 * apiKey takes one parameter flat, or `parameters: [...]`, never both (checked in the refinement,
 * and in the JSON Schema by `not`). All optional: a draft may lack them (R2a is semantic).
 */
const ApiKeyAuthDoc = ApiKeyWrittenSchema.extend({ parameters: z.array(ApiKeyParameterSchema).min(1).optional() })
  .superRefine((auth, ctx) => {
    const wrong = apiKeyFormProblem(auth);
    if (wrong?.problem === 'mixed') {
      ctx.addIssue({
        code: 'custom',
        path: [wrong.key],
        message: `write apiKey parameters either flat (parameterKey, displayName, addTo) or as a 'parameters' list, not both`,
        params: { at: 'key' },
      });
    } else if (wrong?.problem === 'noKey') {
      ctx.addIssue({
        code: 'custom',
        path: [wrong.key],
        message: `${wrong.key} describes a parameter, so the parameter needs its parameterKey too`,
        params: { at: 'key' },
      });
    }
  })
  .meta({
    not: {
      anyOf: API_KEY_FLAT_KEYS.map((k) => ({ required: ['parameters', k] })),
    },
  });

const BasicAuthDoc = BasicSchema.meta({
  description: 'No connector-level parameters: the username and password are entered when a connection is authorized.',
});

// The secret reference sits right after its public half (consumerKey, clientId): the order in
// which hints list the allowed keys and editors offer them.
const { type: oauth1Type, consumerKey, ...oauth1Rest } = OAuth1Schema.shape;
const OAuth1AuthDoc = z
  .object({
    type: oauth1Type,
    consumerKey,
    consumerSecret: secretRef('consumerSecret').optional(),
    ...oauth1Rest,
    requestTokenUrl: Url.optional(),
    authorizeUrl: Url.optional(),
    accessTokenUrl: Url.optional(),
  })
  .strict();

const { type: oauth2Type, grantType, clientId, ...oauth2Rest } = OAuth2Schema.shape;
const OAuth2AuthDoc = z
  .object({
    type: oauth2Type,
    grantType,
    clientId,
    clientSecret: secretRef('clientSecret').optional(),
    ...oauth2Rest,
    authorizeUrl: Url.optional().meta({ description: 'Only for grantType authorization_code.' }),
    accessTokenUrl: Url.optional(),
    refreshTokenUrl: Url.optional(),
    scopes: z.array(Scope).default([]),
  })
  .strict();

const AuthenticationDoc = z.discriminatedUnion('type', [ApiKeyAuthDoc, BasicAuthDoc, OAuth1AuthDoc, OAuth2AuthDoc]);

export const ConnectorDoc = z
  .object({
    kind: z.literal('Connector'),
    linkName: LinkName,
    name: Name,
    description: Description.default(''),
    stage: StageSchema.default('ready'),
    enabled: z.boolean().default(true),
    authentication: AuthenticationDoc,
  })
  .strict()
  .meta({ title: 'Connector', description: 'A Zoho Creator custom connector (connectorops manifest).' });

export const ConnectionDoc = z
  .object({
    kind: z.literal('Connection'),
    linkName: LinkName,
    name: Name,
    connector: LinkName.meta({ description: "The connector's linkName." }),
    enabled: z.boolean().default(true),
    scopes: z.array(Scope).default([]).meta({ description: "OAuth2 only: a subset of the connector's scopes." }),
    authorizationOwner: AuthorizationOwnerSchema.default('admin').meta({
      description: "Creator's Authorization Owner: admin (one authorization, by an admin) or user (each logged-in user authorizes for themselves).",
    }),
    sameAuthorizationForAllEnvironments: z.boolean().default(true).meta({
      description: "Creator's checkbox: true, one authorization serves every environment; false, each environment has its own.",
    }),
    access: z
      .array(z.string().min(1))
      .optional()
      .meta({ description: 'Connection Access: the link names of the applications that may use the connection; absent, connectorops does not manage it.' }),
  })
  .strict()
  .meta({ title: 'Connection', description: 'A Zoho Creator connection of a custom connector (connectorops manifest).' });

/** Any manifest document; `kind` decides which. */
const ManifestDoc = z
  .discriminatedUnion('kind', [ConnectorDoc, ConnectionDoc])
  .meta({ title: 'connectorops manifest', description: 'A kind: Connector or kind: Connection document.' });

export const KINDS = ['Connector', 'Connection'] as const;

/** Target names are plain words, so they can never be mistaken for a `local:` or URL spec. */
const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

const TARGET_SPEC = '^(local:.+|https?://[^/\\s]+.*|postgres(ql)?://[^/\\s]+.*)$';

const TargetSpecString = z
  .string()
  .regex(new RegExp(TARGET_SPEC), { error: 'a target is local:PATH, postgres://USER@HOST/DB?schema=NAME, http://HOST:PORT or https://…' });

/** A target URL held in an environment variable (a CI secret): `url: { fromEnv: PRODUCTION_TARGET_URL }`. */
const TargetUrlFromEnv = z
  .object({ fromEnv: z.string().regex(ENV_NAME, { error: 'fromEnv names an environment variable: letters, digits and _, not starting with a digit' }) })
  .strict()
  .meta({ description: 'The environment variable that holds the target spec (a CI secret, say)' });

const TargetConfigDoc = z.object({ url: z.union([TargetSpecString, TargetUrlFromEnv]) }).strict();

/** A glob relative to the directory of connectorops.yaml: never absolute, never climbing out of it. */
const UsageGlob = z
  .string()
  .min(1)
  .refine((g) => !g.startsWith('/') && !g.split('/').includes('..'), {
    error: 'a usages pattern is relative to the directory of connectorops.yaml (no leading /, no ..)',
  });

const UsagesConfigDoc = z
  .object({
    from: z.array(UsageGlob).meta({ description: 'Globs of Creator exports (.ds) and Deluge scripts to read for connection usages; [] reads none.' }),
  })
  .strict();

export const ConfigDoc = z
  .object({
    defaultTarget: z.string().min(1).optional().meta({ description: 'A name under targets, or a target spec (local:PATH, postgres://…, http://…, https://…).' }),
    targets: z
      .record(z.string().regex(TARGET_NAME, { error: 'a target name holds letters, digits, _, . and -, and starts with a letter or digit' }), TargetConfigDoc)
      .optional(),
    protect: z
      .array(
        z
          .string()
          .min(1)
          .regex(/^[a-z0-9_*?[\]{},!-]+$/, { error: 'a protect pattern is a link-name glob: a-z, 0-9, _ and the glob characters * ? [ ] { } , ! -' }),
      )
      .optional()
      .meta({ description: 'Link-name glob patterns (crm, crm_*): a plan that would delete or replace a matching connector or connection is blocked (P1).' }),
    environments: z
      .array(EnvironmentSchema)
      .min(1)
      .refine((list) => new Set(list).size === list.length, { error: 'list each environment once' })
      .optional()
      .meta({ description: "The account's Creator environments (development, stage, production); default [production], an account without environments." }),
    usages: UsagesConfigDoc.optional().meta({
      description: 'Where connections are used: Deluge code kept in Git (default from: ["**/*.ds", "**/*.dg", "**/*.deluge"]).',
    }),
  })
  .strict()
  .meta({ title: 'connectorops.yaml', description: 'connectorops project configuration.' });

/** Every key any of our documents may hold. */
export const KNOWN_KEYS: ReadonlySet<string> = new Set(
  [
    ConnectorDoc,
    ConnectionDoc,
    ApiKeyAuthDoc,
    BasicAuthDoc,
    OAuth1AuthDoc,
    OAuth2AuthDoc,
    ApiKeyParameterDoc,
    secretRef(''),
    ConfigDoc,
    TargetConfigDoc,
    UsagesConfigDoc,
  ].flatMap((schema) => Object.keys(schema.shape)),
);

export type ConnectorDocT = z.output<typeof ConnectorDoc>;
export type ConnectionDocT = z.output<typeof ConnectionDoc>;

/** The JSON Schema files in schema/, keyed by file name. `npm run schema` writes them. */
export function jsonSchemas(): Record<string, unknown> {
  // draft-7: what editors (yaml-language-server) support best.
  const gen = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', target: 'draft-7', unrepresentable: 'throw' });
  return { 'manifest.schema.json': gen(ManifestDoc), 'config.schema.json': gen(ConfigDoc) };
}
