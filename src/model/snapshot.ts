/** The snapshot document (docs/targets.md, "Snapshots"): `target export` writes it, `target import` reads it. */
import * as z from 'zod';
import {
  apiKeyFormProblem,
  ApiKeyWrittenSchema,
  BasicSchema,
  ConnectionRecordSchema,
  ConnectorRecordSchema,
  FingerprintsSchema,
  OAuth1Schema,
  OAuth2Schema,
  UsageSchema,
} from './types.js';

/** Authentication as a snapshot (and a manifest) writes it, without secrets: apiKey may be flat. */
const SnapshotAuthenticationSchema = z.discriminatedUnion('type', [
  ApiKeyWrittenSchema.superRefine((auth, ctx) => {
    const wrong = apiKeyFormProblem(auth);
    if (wrong?.problem === 'mixed') {
      ctx.addIssue({ code: 'custom', path: [wrong.key], message: 'write apiKey parameters either flat or as a parameters list, not both' });
    } else if (wrong?.problem === 'noKey') {
      ctx.addIssue({ code: 'custom', path: [wrong.key], message: `${wrong.key} describes a parameter, so it needs a parameterKey too` });
    }
  }),
  BasicSchema,
  OAuth1Schema,
  OAuth2Schema,
]);
export type SnapshotAuthentication = z.input<typeof SnapshotAuthenticationSchema>;

/** A connector as a target holds it, in its written form; an absent fingerprint list means none. */
const SnapshotConnectorSchema = ConnectorRecordSchema.extend({
  description: z.string().default(''),
  authentication: SnapshotAuthenticationSchema,
  secretFingerprints: FingerprintsSchema.optional(),
});
export type SnapshotConnector = z.input<typeof SnapshotConnectorSchema>;

/**
 * A connection is written exactly as a target holds it; empty lists and Creator's defaults (admin,
 * the same authorization for all environments) may be left out.
 */
const SnapshotConnectionSchema = ConnectionRecordSchema.extend({
  scopes: ConnectionRecordSchema.shape.scopes.default([]),
  authorizationOwner: ConnectionRecordSchema.shape.authorizationOwner.default('admin'),
  sameAuthorizationForAllEnvironments: z.boolean().default(true),
  authorizations: ConnectionRecordSchema.shape.authorizations.default([]),
  usages: z.array(UsageSchema).default([]),
});
export type SnapshotConnection = z.input<typeof SnapshotConnectionSchema>;

/** A formatVersion 1 connection: one `authorization`, authorized by an account or not. */
const SnapshotV1ConnectionSchema = SnapshotConnectionSchema.omit({
  authorizationOwner: true,
  sameAuthorizationForAllEnvironments: true,
  access: true,
  authorizations: true,
}).extend({
  authorization: z.discriminatedUnion('status', [
    z.object({ status: z.literal('authorized'), account: z.string().min(1) }).strict(),
    z.object({ status: z.literal('unauthorized') }).strict(),
  ]),
});

/** The whole snapshot document, strict: an unknown key anywhere is an error. */
export const SnapshotSchema = z
  .object({
    formatVersion: z.literal(2),
    /** What the exported target stands for (`target export` writes it); import leaves the importing target's own mode. */
    target: z
      .object({ mode: z.enum(['simulated', 'ledger']), account: z.string().nullable() })
      .strict()
      .optional(),
    connectors: z.array(SnapshotConnectorSchema),
    connections: z.array(SnapshotConnectionSchema),
  })
  .strict();
/**
 * The document as written: what `stateToSnapshot` produces and a file may hold. Defaults (an empty
 * description, scope and usage lists, the `,` scope separator) may be left out; reading fills them in.
 */
export type Snapshot = z.input<typeof SnapshotSchema>;

/**
 * A formatVersion 1 snapshot, read as version 2: its one authorization becomes one entry for
 * `all` environments of an admin connection (docs/targets.md).
 */
export const SnapshotV1Schema = SnapshotSchema.extend({ formatVersion: z.literal(1), connections: z.array(SnapshotV1ConnectionSchema) }).transform(
  (v1): z.input<typeof SnapshotSchema> => ({
    ...v1,
    formatVersion: 2,
    connections: v1.connections.map(({ authorization, ...c }) => ({
      ...c,
      authorizationOwner: 'admin' as const,
      sameAuthorizationForAllEnvironments: true,
      authorizations: authorization.status === 'authorized' ? [{ environment: 'all' as const, account: authorization.account }] : [],
    })),
  }),
);
