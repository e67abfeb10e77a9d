/**
 * The wire protocol between `HttpTarget` (client.ts) and `connectorops serve` (server.ts), in one
 * place so that the two ends cannot drift: routes, limits, the error body, and zod schemas for
 * every request body (the server checks them) and every response body (the client checks them).
 * docs/targets.md ("The HTTP target") is the prose version.
 *
 * States travel as snapshot documents (docs/targets.md, "Snapshots"), the same document
 * `target export` writes: fingerprints included (keyed hashes, S2), the key never.
 */
import * as z from 'zod';
import { SnapshotSchema } from '../../model/snapshot.js';
import { RevokedAuthorizationSchema } from '../../model/plan.js';
import {
  JournalContextSchema,
  JournalEntrySchema,
  LockInfoSchema,
  LockRequestSchema,
  RolloutEventSchema,
  StoredRolloutSchema,
  TargetInfoSchema,
  TargetModeSchema,
} from '../target.js';
import { jsonPath } from '../../util/json-path.js';
import { AuthorizationEnvironmentSchema, AuthorizationSchema, DiagnosticCodeSchema, RefusalCodeSchema } from '../../model/types.js';
import type { Diagnostic } from '../../errors.js';

/** Bumped on a breaking change of the protocol; routes carry it as their `/v1` prefix. */
export const PROTOCOL_VERSION = 1;

/** Where the bearer token comes from, on both ends (docs/targets.md, "The HTTP target"). */
export const TOKEN_ENV = 'CONNECTOROPS_TOKEN';

/**
 * Why `token` cannot be a bearer token, or null. A header carries printable ASCII only; the
 * message never quotes the value (it is a credential).
 */
export function tokenProblem(token: string): string | null {
  return /^[\x21-\x7e]+$/.test(token) ? null : `${TOKEN_ENV} holds characters that an HTTP header cannot carry (spaces, line breaks or non-ASCII)`;
}

/** A snapshot of 100,000 connections is ~46 MB; 64 MiB leaves room without inviting abuse. */
export const SNAPSHOT_BODY_LIMIT = 64 * 1024 * 1024;
/** Every other request is an action, a lock request or a list of secret values: small. */
export const BODY_LIMIT = 1024 * 1024;
/**
 * The largest answer the client reads (a state, a snapshot: ~54 MB at 100,000 connections), and
 * the longest line of a stream's answer. Beyond it an answer is not ours, and reading on would
 * hold it all in memory: past 512 MB Node cannot make it a string, and the client crashed.
 */
export const ANSWER_LIMIT = 256 * 1024 * 1024;

/**
 * The longest one `POST /v1/locks` waits on the server. A longer `timeoutMs` is waited out by the
 * client in several requests, so that no request outlives proxies' and fetch's own timeouts, and
 * a client that went away stops the wait within one slice at most.
 */
export const LOCK_WAIT_SLICE_MS = 20_000;

/** How an error travels: which class the client rebuilds, and its details. */
const ErrorKindSchema = z.enum([
  /** UserError: fixable input (a snapshot that breaks a rule, a target that is not empty). */
  'user',
  /** TargetError: the target refused (with `rule`) or failed. */
  'target',
  /** LockHeldError: `lock` and `waitedMs` say who holds it. */
  'lock-held',
  /** The request itself: no or a wrong token, an unknown route, a body too large or not JSON. */
  'request',
  /** A bug or an unexpected failure in the server; the details are in the server's log only. */
  'internal',
]);
export type ErrorKind = z.infer<typeof ErrorKindSchema>;

const DiagnosticSchema = z.object({
  file: z.string(),
  line: z.number(),
  col: z.number(),
  severity: z.enum(['error', 'warning']),
  // A code this build does not know (a newer server) is kept as the generic `schema`: the message says it.
  code: DiagnosticCodeSchema.catch('schema'),
  message: z.string(),
  hint: z.string().exactOptional(),
}) satisfies z.ZodType<Diagnostic>; // errors.ts's Diagnostic, as it travels

/** Every response with a status of 400 or more has this body. */
export const ErrorBodySchema = z.object({
  error: z.object({
    kind: ErrorKindSchema,
    message: z.string(),
    // A rule this build does not know (a newer server) is dropped: the message names it.
    rule: RefusalCodeSchema.optional().catch(undefined),
    hint: z.string().optional(),
    diagnostics: z.array(DiagnosticSchema).optional(),
    /** kind `lock-held`: the lock as it was held when the server gave up waiting. */
    lock: LockInfoSchema.optional(),
    waitedMs: z.number().nonnegative().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

// ---------------------------------------------------------------------------------------------
// Request bodies (checked by the server)

export const FingerprintsRequestSchema = z.object({ values: z.array(z.string()).max(100_000) }).strict();

/** `action` is checked by `parseAction` (action-schema.ts), the same check the local target makes. */
export const ActionRequestSchema = z
  .object({
    action: z.unknown(),
    secrets: z.record(z.string(), z.string()).default({}),
    journal: JournalContextSchema.optional(),
  })
  .strict();

/**
 * The most actions one `POST /v1/actions/batch` carries, and one group of a stream's lines the
 * server commits together. A client that does not stream batches the journaled actions it has in
 * flight at once (apply's concurrency: 4 by default), so that a round trip, and the server's work
 * on a request, serve several actions (issue 25).
 */
export const ACTION_BATCH_MAX = 64;

/** `POST /v1/actions/batch`: actions with a journal context each, carried out in this order, each as `POST /v1/actions` would. */
export const ActionBatchRequestSchema = z
  .object({
    actions: z
      .array(ActionRequestSchema.extend({ journal: JournalContextSchema }))
      .min(1)
      .max(ACTION_BATCH_MAX),
  })
  .strict();

/**
 * `POST /v1/actions/stream` (issue 25): one long-lived request whose body is NDJSON, one action a
 * line, written by the client as the executor hands each over; the server answers 200 at once and
 * writes one answer line per action as it commits, in the order they commit, keyed by the line's
 * `id` (a number the client gives each line of a stream). So the server carries out one action
 * while the client prepares the next: the two processes work side by side, where a batch made
 * each wait for the other. Each line is `POST /v1/actions`'s body with a journal context (every
 * streamed action is idempotent) and is at most BODY_LIMIT bytes.
 */
export const ACTION_STREAM_PATH = 'v1/actions/stream';
export const NDJSON = 'application/x-ndjson';

export const ActionStreamLineSchema = ActionRequestSchema.extend({ id: z.number().int().nonnegative(), journal: JournalContextSchema }).strict();

/**
 * How long a client keeps one stream open (it then ends its body and opens another for what
 * follows): well under the server's 5-minute request timeout (`serve`'s `requestTimeout`, which
 * cuts a request whose body has not ended), so a stream never meets it.
 */
export const STREAM_MAX_MS = 60_000;
/** A stream with nothing in flight for this long is ended by the client (its connection freed). */
export const STREAM_IDLE_MS = 1_000;
/**
 * An action streamed this long ago, with no answer line yet on its stream: the client ends the
 * stream's body. A proxy that buffers whole request bodies (nginx's `proxy_request_buffering`)
 * then passes it on, and the answers come; a stream that got no answer at all makes the client
 * use batches from then on.
 */
export const STREAM_STALL_MS = 2_000;

export const LockAcquireRequestSchema = LockRequestSchema.extend({
  /** How long the server may wait for a held lock; capped at LOCK_WAIT_SLICE_MS. */
  timeoutMs: z.number().int().nonnegative().default(0),
}).strict();

export const AuthorizeRequestSchema = z
  .object({
    account: z.string(),
    environment: AuthorizationEnvironmentSchema.optional(),
    user: z.string().optional(),
    announced: z.literal(true).optional(),
    journal: JournalContextSchema.optional(),
  })
  .strict();

/** `POST /v1/connections/:linkName/deauthorize`: which authorizations were revoked in Creator (none named: each one). */
export const DeauthorizeRequestSchema = z
  .object({ environment: AuthorizationEnvironmentSchema.optional(), user: z.string().optional(), journal: JournalContextSchema.optional() })
  .strict();

/** Its answer: the authorizations removed. */
export const DeauthorizeResponseSchema = z.object({ removed: z.array(AuthorizationSchema) }).strict();

/** `PUT /v1/info`: `target init`. */
export const InitializeRequestSchema = z.object({ mode: TargetModeSchema, account: z.string().min(1).max(200).nullable() }).strict();

/** `POST /v1/rollouts`: the document is rollout/'s; the target stores it as it is. */
export const OpenRolloutRequestSchema = z.object({ id: z.string().min(1).max(200), document: z.unknown(), opened: RolloutEventSchema }).strict();

/** `POST /v1/rollouts/:id/close` */
export const CloseRolloutRequestSchema = z.object({ event: RolloutEventSchema }).strict();

// ---------------------------------------------------------------------------------------------
// Response bodies (checked by the client)

export const StateResponseSchema = z.object({
  serial: z.number().int().nonnegative(),
  digest: z.string().min(1),
  snapshot: SnapshotSchema,
});

export const FingerprintsResponseSchema = z.object({ fingerprints: z.array(z.string()) });

export const ActionResponseSchema = z.object({
  serial: z.number().int().nonnegative(),
  revoked: z.array(RevokedAuthorizationSchema),
  /** The answer to a repeat of a (run, action) already carried out: nothing was done this time. */
  replayed: z.boolean().optional(),
});

/** Each action's outcome, in the order sent: its answer, or the error (and status) `POST /v1/actions` would have answered. */
export const ActionBatchResponseSchema = z.object({
  results: z.array(
    // Told apart by `ok` (one check a result, where a plain union tries each shape in turn).
    z.discriminatedUnion('ok', [
      ActionResponseSchema.extend({ ok: z.literal(true) }),
      z.object({ ok: z.literal(false), status: z.number().int().min(400).max(599), error: ErrorBodySchema.shape.error }),
    ]),
  ),
});

/**
 * One line of `POST /v1/actions/stream`'s answer: an action's outcome (as in a batch's, with the
 * line's `id`), or, without an id, what ended the stream (a line that is not JSON, or too long):
 * the actions not answered were not carried out.
 */
export const ActionStreamAnswerSchema = z.union([
  z.discriminatedUnion('ok', [
    ActionResponseSchema.extend({ id: z.number().int().nonnegative(), ok: z.literal(true) }),
    z.object({ id: z.number().int().nonnegative(), ok: z.literal(false), status: z.number().int().min(400).max(599), error: ErrorBodySchema.shape.error }),
  ]),
  z.object({ status: z.number().int().min(400).max(599), error: ErrorBodySchema.shape.error }),
]);
export type ActionStreamAnswer = z.infer<typeof ActionStreamAnswerSchema>;

export const JournalResponseSchema = z.object({ entries: z.array(JournalEntrySchema) });

export const InfoResponseSchema = TargetInfoSchema;

/** `GET /v1/rollouts/open` */
export const CurrentRolloutResponseSchema = z.object({ rollout: StoredRolloutSchema.nullable() });

/** `GET /v1/rollouts` */
export const RolloutsResponseSchema = z.object({ rollouts: z.array(StoredRolloutSchema) });

export const LockResponseSchema = z.object({ lock: LockInfoSchema.extend({ tookOverFrom: LockInfoSchema.optional() }) });

export const ForceUnlockResponseSchema = z.object({ released: z.boolean() });

/** `GET /v1/snapshot` answers with the snapshot document itself. */
export const SnapshotResponseSchema = SnapshotSchema;

/** `path: message` for each zod issue; values are never quoted (one might be a secret, S2). */
export function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? jsonPath(i.path) : '(body)'}: ${i.message}`).join('; ');
}
