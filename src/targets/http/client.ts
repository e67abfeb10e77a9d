/**
 * `HttpTarget`: the Target port over HTTP, as a client of `connectorops serve` (server.ts). It
 * behaves like the local target it fronts — same results, same error classes (TargetError with
 * its rule id, LockHeldError, UserError) — so that plan and apply cannot tell the difference,
 * except in what only a network can do: fail after a request was sent.
 *
 * Retries (p-retry, exponential backoff with jitter, at most 5 s apart) follow what each request is:
 * - idempotent (reads, fingerprints, release, authorize): retried on connection errors and on
 *   502/503/504;
 * - an action with a journal context (POST /v1/actions, a line of a stream, a batch): idempotent
 *   too, since the server answers a repeat of a (run, action) with the first result and carries
 *   nothing out twice (idempotency.ts); so is the lock acquire, which recognises a lock it already
 *   took;
 * - not idempotent (force-unlock, snapshot import, an action without a journal context): retried
 *   only when nothing was carried out: the connection was never made, or a 429 or 503 answer.
 * A 429 (or 503) with `Retry-After` waits at least that long. When the connection fails after a
 * request went out and no retry is left, the outcome is unknown and the TargetError says so; the
 * apply executor then asks the journal, which the server writes in the same call as the effect.
 * No message ever carries the token or a secret value of the request (redact.ts).
 */
import pRetry from 'p-retry';
import type { z } from 'zod';
import { TargetError, UserError } from '../../errors.js';
import type { ActionBody } from '../../model/actions.js';
import type { Snapshot } from '../../model/snapshot.js';
import type { Authorization, SecretName, State } from '../../model/types.js';
import type { AuthorizationWhere } from '../../model/authorizations.js';
import { parseAction } from '../action-schema.js';
import { LockHeldError, waitForLock } from '../lock.js';
import { checkTargetRecords, snapshotToState, stateToSnapshot } from '../snapshot.js';
import type {
  ExecuteResult,
  JournalContext,
  JournalEntry,
  LockInfo,
  LockRequest,
  RolloutEvent,
  StateSnapshot,
  StoredRollout,
  Target,
  TargetInfo,
  TargetMode,
} from '../target.js';
import {
  ACTION_BATCH_MAX,
  ACTION_STREAM_PATH,
  ActionBatchResponseSchema,
  ActionStreamAnswerSchema,
  ANSWER_LIMIT,
  NDJSON,
  STREAM_IDLE_MS,
  STREAM_MAX_MS,
  STREAM_STALL_MS,
  ActionResponseSchema,
  BODY_LIMIT,
  CurrentRolloutResponseSchema,
  DeauthorizeResponseSchema,
  InfoResponseSchema,
  RolloutsResponseSchema,
  ErrorBodySchema,
  FingerprintsResponseSchema,
  ForceUnlockResponseSchema,
  JournalResponseSchema,
  LOCK_WAIT_SLICE_MS,
  LockResponseSchema,
  SnapshotResponseSchema,
  StateResponseSchema,
  TOKEN_ENV,
  formatIssues,
  tokenProblem,
} from './protocol.js';
import { redactParts } from '../../model/redact.js';
import { definedOnly } from '../../util/objects.js';
import { targetIdentity } from '../../util/target-identity.js';
import { ANSWER_TOO_LARGE, CONNECT_TIMEOUT, Transport, type Answer, type Streamed } from './transport.js';
import { safeParse } from '../../util/safe-parse.js';

export interface HttpTargetOptions {
  /** How the user named the target (a name from connectorops.yaml, or the URL as typed). */
  name?: string;
  /** The bearer token (CONNECTOROPS_TOKEN). */
  token: string;
  /** How long one request may take before it is given up (default 120 s; a lock wait adds its own). */
  timeoutMs?: number;
  /** Retries of a request that may be retried (default 6, so 7 attempts: a flaky network rarely fails one request 7 times in a row). */
  retries?: number;
  /** The first retry's delay (default 250 ms), doubled each time with jitter, at most 5 s. */
  retryDelayMs?: number;
  /** Told before each retry, e.g. to log it. */
  onRetry?: (retry: RetryEvent) => void | Promise<void>;
  /**
   * Journaled actions go out on a stream (`POST /v1/actions/stream`, the default) or, false, in
   * batches (`POST /v1/actions/batch`). The client falls back to batches by itself when the server
   * has no stream route or its streams get no answer (a proxy that buffers request bodies).
   */
  stream?: boolean;
}

/** One retry, as `onRetry` is told of it. */
export interface RetryEvent {
  method: string;
  path: string;
  /** The attempt that failed (1 for the first). */
  attempt: number;
  error: Error;
  /** For an action: what it does, e.g. `connector.create 'crm'`. */
  what?: string;
}

/** What may be retried of a request (see the file comment). */
type RetryPolicy = 'idempotent' | 'action' | 'unsent-only' | 'never';

/** Longest wait a `Retry-After` answer may impose on one retry. */
const MAX_RETRY_AFTER_MS = 30_000;

interface RequestSpec<T> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative to the base URL, without a leading slash: `v1/state`. */
  path: string;
  body?: unknown;
  /** `body` already as JSON (a batch, made of its actions' JSON); instead of `body`. */
  json?: string;
  /** Checks the answer; absent for 204 answers. */
  schema?: z.ZodType<T>;
  retry: RetryPolicy;
  timeoutMs?: number;
  /** Secret values in this request: redacted from every error. */
  secrets?: readonly string[];
  /** For an answer lost after sending: what was asked, e.g. `connector.create 'crm'`. */
  what?: string;
  /** For a batch: what each of its actions does; `onRetry` is told of a retry once for each, as if each had been sent alone. */
  whats?: readonly string[];
  /** Counts the retries of this request, for a caller that must know whether an earlier attempt may have landed. */
  retries?: { count: number };
}

/** An action waiting to go out in the next batch, or waiting for its answer on a stream (`execute`). */
interface Queued {
  request: { action: ActionBody; secrets: Partial<Record<SecretName, string>>; journal: JournalContext };
  /** Its secret values, redacted from its errors. */
  values: string[];
  /** What it does, e.g. `connector.create 'crm'`. */
  what: string;
  /** Its JSON, made once: it goes into the stream's line or the batch's body as it is. */
  json: string;
  /** `json`'s size in UTF-8 bytes, as the server counts it against its limits. */
  bytes: number;
  resolve: (result: ExecuteResult) => void;
  reject: (error: unknown) => void;
}

/** A `POST /v1/actions/stream` of this client (protocol.ts), open or ending. */
interface ActionStream {
  io: Streamed;
  /** The actions written and not answered yet, by their line's id. */
  pending: Map<number, Queued>;
  nextId: number;
  openedAt: number;
  /** When an answer last came, or the first action went out while none was pending (performance.now()). */
  since: number;
  /** The answer's status, once its head came. */
  status: number | null;
  /** An answer line came: the server (and anything in between) streams. */
  answered: boolean;
  /** Its body was ended: it takes no more actions. */
  ending: boolean;
  /** It took longer than the timeout to answer: what the actions still pending fail with. */
  timedOut: boolean;
  /** Watches the stall, idle and answer timeouts (#watch), re-armed only when it fires. */
  timer: NodeJS.Timeout | null;
}

/** The network failure behind a TargetError of #networkError, for a batch to describe it per action. */
const NETWORK_CAUSE = new WeakMap<Error, unknown>();

/** Errors worth another attempt, marked where they are made (p-retry asks `shouldRetry`). */
const RETRYABLE = new WeakSet<Error>();
/** The wait a 429/503 answer asked for (`Retry-After`), in ms. */
const RETRY_AFTER = new WeakMap<Error, number>();

/** OpenSSL's codes for a TLS handshake answered by something that is not TLS (plain HTTP, most often). */
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_HTTP_REQUEST']);
/** The codes of a connection that was never made: nothing of the request was sent. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', CONNECT_TIMEOUT]);

const DEFAULT_TIMEOUT_MS = 120_000;

/** What a stream's line adds to its action's JSON: `{"id":N,` for the `{` it replaces (N a safe integer: 16 digits at most). */
const LINE_ID_ROOM = '{"id":9007199254740991,'.length;
/** What a batch's body adds to its actions' JSON: `{"actions":[`, `]}`. */
const BATCH_ENVELOPE = '{"actions":[]}'.length;

/** The HTTP target. Open it with `openTarget('http://HOST:PORT')` (the token comes from CONNECTOROPS_TOKEN). */
export class HttpTarget implements Target {
  readonly name: string;
  /** The base URL, with a trailing slash, without credentials. */
  readonly url: string;
  readonly #token: string;
  readonly #options: Required<Omit<HttpTargetOptions, 'name' | 'token' | 'onRetry' | 'stream'>> & Pick<HttpTargetOptions, 'onRetry'>;
  /** Keep-alive connections to the server: no handshake per request (transport.ts). */
  readonly #transport: Transport;
  /** Journaled actions asked for in this turn of the event loop: they go out together (`execute`). */
  #queued: Queued[] = [];
  /** False once the server turned out not to know POST /v1/actions/batch (an older connectorops serve). */
  #batches = true;
  /** Journaled actions go out on a stream; false once the server turned out not to stream (an older one, or a buffering proxy). */
  #streams: boolean;
  /** The stream new actions go out on, while it is open. */
  #stream: ActionStream | null = null;
  #closed = false;

  /** Throws a UserError for a URL that is not http(s), carries credentials, a query or a fragment. */
  constructor(url: string, options: HttpTargetOptions) {
    this.name = targetIdentity(options.name ?? url);
    this.url = baseUrl(url, this.name);
    this.#transport = new Transport(new URL(this.url).protocol);
    if (!options.token) {
      throw new UserError(`target ${this.name} is served over HTTP and needs a token`, { hint: `set ${TOKEN_ENV} to the token the server was started with` });
    }
    const problem = tokenProblem(options.token);
    if (problem) throw new UserError(problem, { hint: 'use a token of printable ASCII, e.g. `openssl rand -hex 32`' });
    this.#token = options.token;
    this.#streams = options.stream ?? true;
    this.#options = {
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      retries: options.retries ?? 6,
      retryDelayMs: options.retryDelayMs ?? 250,
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    };
  }

  async serial(): Promise<number> {
    return (await this.read()).serial;
  }

  async read(): Promise<StateSnapshot> {
    const { serial, digest, snapshot } = await this.#request({ method: 'GET', path: 'v1/state', schema: StateResponseSchema, retry: 'idempotent' });
    return { state: this.#checked(snapshotToState(snapshot)), serial, digest };
  }

  /** In requests of at most half the server's body limit each, so that any number of secrets goes through. */
  async fingerprintSecrets(values: string[]): Promise<string[]> {
    this.#open();
    const out: string[] = [];
    for (const batch of batches(values, BODY_LIMIT / 2)) {
      const { fingerprints } = await this.#request({
        method: 'POST',
        path: 'v1/fingerprints',
        body: { values: batch },
        schema: FingerprintsResponseSchema,
        retry: 'idempotent',
        secrets: batch,
      });
      if (fingerprints.length !== batch.length) throw new TargetError(`target ${this.name} answered ${fingerprints.length} fingerprints for ${batch.length} values`);
      out.push(...fingerprints);
    }
    return out;
  }

  /**
   * A journaled action goes out at once as a line of the open `POST /v1/actions/stream` (issue
   * 25): the server carries it out while this process prepares the next, and answers each as it
   * commits. Without streams (an older server, a buffering proxy), the journaled actions asked for
   * in the same turn of the event loop (apply's executor starts up to its concurrency at once, and
   * the next ones as the answers come in) go out as one `POST /v1/actions/batch`. Either way each
   * is carried out on its own, and answered on its own.
   */
  async execute(action: ActionBody, secrets: Partial<Record<SecretName, string>> = {}, journal?: JournalContext): Promise<ExecuteResult> {
    this.#open();
    // The same check as the local target's, before anything is sent: same error, no round trip.
    const body = parseAction(action);
    const values = Object.values(secrets).filter((v): v is string => typeof v === 'string');
    if (!journal || (!this.#streams && !this.#batches)) return this.#executeOne(body, secrets, values, journal);
    return new Promise<ExecuteResult>((resolve, reject) => {
      const request = { action: body, secrets, journal };
      const json = JSON.stringify(request);
      const q: Queued = { request, values, what: `${body.op} '${body.linkName}'`, json, bytes: Buffer.byteLength(json), resolve, reject };
      // The server ends a stream at a line over BODY_LIMIT bytes (its id included): an action that
      // large (a rare one) goes by a request of its own, which gets the 413 alone.
      if (this.#streams && q.bytes - 1 + LINE_ID_ROOM <= BODY_LIMIT) return this.#streamAction(q);
      this.#queued.push(q);
      if (this.#queued.length === 1) setImmediate(() => this.#flush());
    });
  }

  /** Writes `q` on the open stream (one is opened when there is none, or it has served its time). */
  #streamAction(q: Queued): void {
    let s = this.#stream;
    if (s && performance.now() - s.openedAt > STREAM_MAX_MS) {
      this.#endStream(s);
      s = null;
    }
    s ??= this.#stream = this.#openStream();
    const id = s.nextId++;
    if (s.pending.size === 0) s.since = performance.now();
    s.pending.set(id, q);
    // `{ id, ...q.request }`, from the JSON the action has already.
    s.io.write(`{"id":${id},${q.json.slice(1)}\n`);
    // A timeout under STREAM_STALL_MS is checked when it is due, not at the stall check.
    s.timer ??= setTimeout(() => this.#watch(s), Math.min(STREAM_STALL_MS, this.#options.timeoutMs)).unref();
  }

  #openStream(): ActionStream {
    const s: ActionStream = {
      io: undefined as unknown as Streamed,
      pending: new Map(),
      nextId: 0,
      openedAt: performance.now(),
      since: performance.now(),
      status: null,
      answered: false,
      ending: false,
      timedOut: false,
      timer: null,
    };
    s.io = this.#transport.open(
      {
        method: 'POST',
        url: new URL(this.url + ACTION_STREAM_PATH),
        headers: { authorization: `Bearer ${this.#token}`, accept: NDJSON, 'content-type': NDJSON, 'user-agent': 'connectorops/0.1.0' },
      },
      {
        head: (status) => {
          s.status = status;
          // Not streaming (an older server's 404, a refused token, a busy proxy): each action is sent again by a route that says what.
          if (status !== 200) s.io.destroy(new Error(`HTTP ${status}`));
        },
        line: (text) => this.#streamAnswer(s, text),
        closed: (error) => this.#streamClosed(s, error),
      },
    );
    return s;
  }

  /** No more actions on `s`: its body ends, its answers still come. */
  #endStream(s: ActionStream): void {
    if (this.#stream === s) this.#stream = null;
    if (s.ending) return;
    s.ending = true;
    s.io.end();
  }

  /**
   * The stream's timer: ends an idle stream (nothing pending for STREAM_IDLE_MS), ends the body of
   * one that got no answer at all within STREAM_STALL_MS (a proxy buffering the body then passes
   * it on) and streams no more after it, and drops one that answered nothing for the timeout.
   * The stall check cannot tell a buffering proxy from a server whose first group of actions took
   * longer than STREAM_STALL_MS to commit: that too turns streams off for this target, which then
   * uses batches (correct, a little slower). A proxy that buffers responses sends a head but no
   * lines, so only an answer line counts.
   */
  #watch(s: ActionStream): void {
    s.timer = null;
    const waited = performance.now() - s.since;
    let next: number;
    if (s.pending.size === 0) {
      if (s.ending) return;
      if (waited >= STREAM_IDLE_MS) return this.#endStream(s);
      next = STREAM_IDLE_MS - waited;
    } else if (waited >= this.#options.timeoutMs) {
      s.timedOut = true;
      return s.io.destroy(Object.assign(new Error(`no answer within ${this.#options.timeoutMs} ms`), { name: 'TimeoutError' }));
    } else if (!s.answered && !s.ending && waited >= STREAM_STALL_MS) {
      this.#streams = false;
      this.#endStream(s);
      next = this.#options.timeoutMs - waited;
    } else {
      next = (!s.answered && !s.ending ? Math.min(STREAM_STALL_MS, this.#options.timeoutMs) : this.#options.timeoutMs) - waited;
    }
    // At least once a second (or once a timeout, when shorter), so that a stream whose last answer
    // came is ended once idle, and an action sent later is timed out when it is due.
    s.timer = setTimeout(() => this.#watch(s), Math.min(Math.max(1, next), STREAM_IDLE_MS, this.#options.timeoutMs)).unref();
  }

  /** One answer line: the action it names is answered as `POST /v1/actions` would have been. */
  #streamAnswer(s: ActionStream, text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return s.io.destroy(new Error('an answer line of the stream is not JSON'));
    }
    const parsed = safeParse(ActionStreamAnswerSchema, json);
    if (!parsed.success) return s.io.destroy(new Error(`an answer line of the stream is not one of ours: ${formatIssues(parsed.error)}`));
    const a = parsed.data;
    // Without an id: the server ended the stream early (a line it could not read); the actions it did not answer go again, alone.
    if (!('id' in a)) return;
    const q = s.pending.get(a.id);
    if (!q) return s.io.destroy(new Error(`the stream answered action ${a.id}, which is not pending`));
    s.pending.delete(a.id);
    s.answered = true;
    s.since = performance.now();
    if (a.ok) return q.resolve({ serial: a.serial, revoked: a.revoked });
    // Busy or throttled: nothing was carried out; alone, with its retries.
    if (a.status === 429 || a.status === 502 || a.status === 503 || a.status === 504) return this.#alone(q);
    const answer: Answer = { status: a.status, statusText: '', headers: {}, text: JSON.stringify({ error: a.error }) };
    q.reject(this.#errorAnswer(answer, this.#actionSpec(q), [this.#token, ...q.values]));
  }

  /**
   * The stream ended. The actions it did not answer go again (they are idempotent: a journal
   * context each), each alone by `POST /v1/actions` with its retries, or in a batch when the
   * server has no stream route; none when retries are off, or the server took too long (a
   * timeout is not retried): they fail as a lost answer does, their outcome unknown.
   */
  #streamClosed(s: ActionStream, error: Error | null): void {
    if (this.#stream === s) this.#stream = null;
    s.ending = true;
    if (s.timer) clearTimeout(s.timer);
    s.timer = null;
    const left = [...s.pending.values()];
    s.pending.clear();
    if (!left.length) return;
    // The target was closed with these in flight: nothing will send them again (no retry to tell of).
    if (this.#closed) {
      for (const q of left) {
        q.reject(
          new TargetError(`target ${this.name} is closed: ${q.what} was sent and not answered; it may or may not have been carried out`, {
            hint: "run apply again: the target's journal says whether it was done, and nothing is carried out twice",
          }),
        );
      }
      return;
    }
    if (s.status === 404) {
      // A server from before streams: batches from now on.
      this.#streams = false;
      return this.#flushAll(left);
    }
    if (s.status !== null && s.status !== 200) return left.forEach((q) => this.#alone(q));
    const cause = error ?? Object.assign(new Error('the stream ended before every action on it was answered'), { code: 'ECONNRESET' });
    if (s.timedOut || this.#options.retries === 0) {
      for (const q of left) q.reject(this.#networkError(cause, this.#actionSpec(q), [this.#token, ...q.values]));
      return;
    }
    void (async () => {
      for (const q of left) {
        const own = this.#networkError(cause, this.#actionSpec(q), [this.#token, ...q.values]);
        await this.#options.onRetry?.({ method: 'POST', path: `/${ACTION_STREAM_PATH}`, attempt: 1, error: own, what: q.what });
      }
      left.forEach((q) => this.#alone(q));
    })().catch((e: unknown) => left.forEach((q) => q.reject(e)));
  }

  /** What a queued action is as a request of its own (its errors say `POST /v1/actions`). */
  #actionSpec(q: Queued): RequestSpec<unknown> {
    return { method: 'POST', path: 'v1/actions', retry: 'action', what: q.what };
  }

  /** `q` alone, as `POST /v1/actions`, with its retries. */
  #alone(q: Queued): void {
    void this.#executeOne(q.request.action, q.request.secrets, q.values, q.request.journal, q.json).then(q.resolve, q.reject);
  }

  /** `queued` in batches (or alone, when the server has no batch route either). */
  #flushAll(queued: Queued[]): void {
    this.#queued.push(...queued);
    this.#flush();
  }

  /** Sends what was queued, in batches of at most ACTION_BATCH_MAX actions and the server's body limit (in bytes). */
  #flush(): void {
    const queued = this.#queued;
    this.#queued = [];
    let batch: Queued[] = [];
    let bytes = 0;
    for (const q of queued) {
      if (batch.length && (batch.length === ACTION_BATCH_MAX || BATCH_ENVELOPE + bytes + batch.length + q.bytes > BODY_LIMIT)) {
        void this.#sendBatch(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(q);
      bytes += q.bytes;
    }
    if (batch.length) void this.#sendBatch(batch);
  }

  async #sendBatch(batch: Queued[]): Promise<void> {
    const alone = (q: Queued): void => this.#alone(q);
    if (batch.length === 1 || !this.#batches) {
      batch.forEach(alone);
      return;
    }
    const spec = { method: 'POST', path: 'v1/actions/batch', retry: 'action', secrets: batch.flatMap((q) => q.values) } as const;
    let results: z.infer<typeof ActionBatchResponseSchema>['results'];
    try {
      // Idempotent, as each action in it is (journal contexts): retried as one action would be.
      ({ results } = await this.#request({
        ...spec,
        // `{ actions: batch.map((q) => q.request) }`, from the JSON each action has already.
        json: `{"actions":[${batch.map((q) => q.json).join(',')}]}`,
        schema: ActionBatchResponseSchema,
        whats: batch.map((q) => q.what),
      }));
    } catch (error) {
      if (error instanceof TargetError && error.details.status === 404) {
        // A server from before batches: one action per request from now on.
        this.#batches = false;
        batch.forEach(alone);
        return;
      }
      // The request failed as a whole: each action fails as it would have alone.
      const cause = error instanceof Error ? NETWORK_CAUSE.get(error) : undefined;
      for (const q of batch) {
        q.reject(cause !== undefined ? this.#networkError(cause, { ...spec, path: 'v1/actions', what: q.what }, [this.#token, ...q.values]) : error);
      }
      return;
    }
    if (results.length !== batch.length) {
      const error = new TargetError(`target ${this.name} answered ${results.length} results for ${batch.length} actions`, {
        hint: 'the server may run another version of connectorops',
      });
      for (const q of batch) q.reject(error);
      return;
    }
    batch.forEach((q, i) => {
      const r = results[i]!;
      if (r.ok) return q.resolve({ serial: r.serial, revoked: r.revoked });
      // Busy or throttled (429/503, or a gateway's 502/504): nothing was carried out; alone, with its retries.
      if (r.status === 429 || r.status === 502 || r.status === 503 || r.status === 504) return void alone(q);
      const answer: Answer = { status: r.status, statusText: '', headers: {}, text: JSON.stringify({ error: r.error }) };
      q.reject(this.#errorAnswer(answer, { ...spec, path: 'v1/actions', what: q.what }, [this.#token, ...q.values]));
    });
  }

  /** One action alone, as POST /v1/actions; `json`: its body's text when a queued action has it already. */
  async #executeOne(
    body: ActionBody,
    secrets: Partial<Record<SecretName, string>>,
    values: string[],
    journal: JournalContext | undefined,
    json?: string,
  ): Promise<ExecuteResult> {
    const result = await this.#request({
      method: 'POST',
      path: 'v1/actions',
      ...(json !== undefined ? { json } : { body: { action: body, secrets, ...(journal ? { journal } : {}) } }),
      schema: ActionResponseSchema,
      // Idempotent with a journal context (the server keeps each (run, action)'s result).
      retry: journal ? 'action' : 'never',
      secrets: values,
      what: `${body.op} '${body.linkName}'`,
    });
    return { serial: result.serial, revoked: result.revoked };
  }

  async journal(runId: string): Promise<JournalEntry[]> {
    const { entries } = await this.#request({ method: 'GET', path: `v1/journal/${encodeURIComponent(runId)}`, schema: JournalResponseSchema, retry: 'idempotent' });
    return entries.map((e) => definedOnly(e));
  }

  /**
   * The server waits for a held lock in slices of LOCK_WAIT_SLICE_MS at most; a longer
   * `timeoutMs` is waited out here in as many requests as it takes. The LockHeldError names this
   * target as the user named it, so that its unlock command can be pasted back as it is.
   */
  async acquireLock(request: LockRequest, options: { timeoutMs?: number } = {}): Promise<LockInfo & { tookOverFrom?: LockInfo }> {
    this.#open();
    const retries = { count: 0 };
    return waitForLock(
      async (remaining) => {
        try {
          const { lock } = await this.#request({
            method: 'POST',
            path: 'v1/locks',
            // One slice per request (the server waits no longer anyway), in whole milliseconds: a
            // longer wait (--lock-timeout 1e300) is not a number the protocol takes.
            body: { ...pickLockRequest(request), timeoutMs: Math.min(Math.ceil(remaining), LOCK_WAIT_SLICE_MS) },
            schema: LockResponseSchema,
            retry: 'action',
            retries,
            timeoutMs: this.#options.timeoutMs + Math.min(remaining, LOCK_WAIT_SLICE_MS),
          });
          const { tookOverFrom, ...info } = lock;
          return tookOverFrom ? { ...info, tookOverFrom } : info;
        } catch (error) {
          // Held by this very process after a retry: the earlier attempt took it, and its answer was lost.
          if (error instanceof LockHeldError && retries.count > 0 && isOurs(error.lock, request)) return error.lock;
          throw error;
        }
      },
      // The server does the waiting, a slice per request: no pause between requests.
      { timeoutMs: Math.max(0, options.timeoutMs ?? 0), target: this.name, pollMs: 0 },
    );
  }

  async releaseLock(id: string): Promise<void> {
    await this.#request({ method: 'DELETE', path: `v1/locks/${encodeURIComponent(id)}`, retry: 'idempotent' });
  }

  async forceUnlock(id: string): Promise<boolean> {
    const { released } = await this.#request({
      method: 'POST',
      path: `v1/locks/${encodeURIComponent(id)}/force-unlock`,
      schema: ForceUnlockResponseSchema,
      retry: 'unsent-only',
    });
    return released;
  }

  async exportSnapshot(): Promise<Snapshot> {
    const snapshot = await this.#request({ method: 'GET', path: 'v1/snapshot', schema: SnapshotResponseSchema, retry: 'idempotent' });
    // The schema filled in defaults (scopeSeparator ','); the normalized form is what local exports.
    return stateToSnapshot(this.#checked(snapshotToState(snapshot)));
  }

  /** A server answers what it likes: its records pass the manifest rules before anything uses them (issue 18, item 4). */
  #checked(state: State): State {
    checkTargetRecords(state, this.name);
    return state;
  }

  async importSnapshot(snapshot: Snapshot, options: { force?: boolean } = {}): Promise<void> {
    await this.#request({ method: 'PUT', path: `v1/snapshot${options.force ? '?force=1' : ''}`, body: snapshot, retry: 'unsent-only' });
  }

  async authorize(connection: string, account: string, journal?: JournalContext, where: AuthorizationWhere = {}): Promise<void> {
    // Idempotent: authorizing again with the same account changes nothing (and journals it done again).
    await this.#request({
      method: 'POST',
      path: `v1/connections/${encodeURIComponent(connection)}/authorize`,
      body: { account, ...definedOnly({ environment: where.environment, user: where.user, announced: where.announced }), ...(journal ? { journal } : {}) },
      retry: 'idempotent',
    });
  }

  async deauthorize(connection: string, where: AuthorizationWhere = {}, journal?: JournalContext): Promise<Authorization[]> {
    // Not retried once sent: a second request would find nothing left to remove and fail.
    const { removed } = await this.#request({
      method: 'POST',
      path: `v1/connections/${encodeURIComponent(connection)}/deauthorize`,
      body: { ...definedOnly({ environment: where.environment, user: where.user }), ...(journal ? { journal } : {}) },
      schema: DeauthorizeResponseSchema,
      retry: 'unsent-only',
    });
    return removed;
  }

  async info(): Promise<TargetInfo> {
    return this.#request({ method: 'GET', path: 'v1/info', schema: InfoResponseSchema, retry: 'idempotent' });
  }

  async initialize(mode: TargetMode, account: string | null): Promise<void> {
    // Idempotent: the same mode and account again change nothing.
    await this.#request({ method: 'PUT', path: 'v1/info', body: { mode, account }, retry: 'idempotent' });
  }

  async openRollout(id: string, document: unknown, opened: RolloutEvent): Promise<void> {
    await this.#request({ method: 'POST', path: 'v1/rollouts', body: { id, document, opened }, retry: 'unsent-only' });
  }

  async currentRollout(): Promise<StoredRollout | null> {
    const { rollout } = await this.#request({ method: 'GET', path: 'v1/rollouts/open', schema: CurrentRolloutResponseSchema, retry: 'idempotent' });
    return rollout ? storedRollout(rollout) : null;
  }

  async closeRollout(id: string, event: RolloutEvent): Promise<void> {
    await this.#request({ method: 'POST', path: `v1/rollouts/${encodeURIComponent(id)}/close`, body: { event }, retry: 'unsent-only' });
  }

  async rollouts(): Promise<StoredRollout[]> {
    const { rollouts } = await this.#request({ method: 'GET', path: 'v1/rollouts', schema: RolloutsResponseSchema, retry: 'idempotent' });
    return rollouts.map(storedRollout);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#stream) this.#endStream(this.#stream);
    this.#transport.close();
  }

  // -------------------------------------------------------------------------------------------

  #open(): void {
    if (this.#closed) throw new TargetError(`target ${this.name} is closed`);
  }

  async #request<T>(spec: RequestSpec<T>): Promise<T> {
    this.#open();
    const url = new URL(this.url + spec.path);
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept: 'application/json', 'user-agent': 'connectorops/0.1.0' };
    const body = spec.json ?? (spec.body === undefined ? undefined : JSON.stringify(spec.body));
    if (body !== undefined) headers['content-type'] = 'application/json';
    const hidden = [this.#token, ...(spec.secrets ?? [])];
    const attempt = async (): Promise<T> => {
      let response: Answer;
      try {
        // Redirects are never followed (transport.ts): a target never redirects, and the token must never follow one elsewhere.
        response = await this.#transport.send({
          method: spec.method,
          url,
          headers,
          ...(body !== undefined ? { body } : {}),
          timeoutMs: spec.timeoutMs ?? this.#options.timeoutMs,
        });
      } catch (error) {
        throw this.#networkError(error, spec, hidden);
      }
      const text = response.text;
      if (response.status >= 400) throw this.#errorAnswer(response, spec, hidden);
      if (response.status >= 300) {
        const location = response.headers.location;
        throw new TargetError(
          `target ${this.name} answered ${spec.method} /${spec.path} with a redirect (HTTP ${response.status}${location ? ` to ${redactParts(location, hidden)}` : ''}); it was not followed`,
          {
            status: response.status,
            hint: 'give --target the URL the server is really at (https:// rather than http://, say)',
          },
        );
      }
      if (!spec.schema) return undefined as T;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new TargetError(`target ${this.name} answered ${spec.method} /${spec.path} with something that is not JSON (HTTP ${response.status})`, {
          status: response.status,
          hint: 'is the URL that of a connectorops serve?',
        });
      }
      const parsed = safeParse(spec.schema, json);
      if (!parsed.success) {
        throw new TargetError(`target ${this.name} answered ${spec.method} /${spec.path} with an unexpected body: ${redactParts(formatIssues(parsed.error), hidden)}`, {
          status: response.status,
          hint: 'the server may run another version of connectorops',
        });
      }
      return parsed.data;
    };
    return pRetry(attempt, {
      retries: spec.retry === 'never' ? 0 : this.#options.retries,
      minTimeout: this.#options.retryDelayMs,
      maxTimeout: 5_000,
      factor: 2,
      randomize: true,
      shouldRetry: async ({ error, attemptNumber }) => {
        if (!RETRYABLE.has(error)) return false;
        if (spec.retries) spec.retries.count++;
        if (spec.whats) {
          // A batch: each action is told, with the error it would have had alone.
          const cause = NETWORK_CAUSE.get(error);
          for (const what of spec.whats) {
            const own = cause !== undefined ? this.#networkError(cause, { ...spec, what }, hidden) : error;
            await this.#options.onRetry?.({ method: spec.method, path: `/${spec.path}`, attempt: attemptNumber, error: own, what });
          }
        } else {
          await this.#options.onRetry?.({ method: spec.method, path: `/${spec.path}`, attempt: attemptNumber, error, ...(spec.what ? { what: spec.what } : {}) });
        }
        const wait = RETRY_AFTER.get(error);
        if (wait) await new Promise((resolve) => setTimeout(resolve, wait));
        return true;
      },
    });
  }

  /** The exchange failed: never connected, timed out, or the connection broke after the request went out. */
  #networkError(error: unknown, spec: RequestSpec<unknown>, hidden: readonly string[]): TargetError {
    const own = error as { code?: unknown; message?: unknown } | null;
    const code = typeof own?.code === 'string' ? own.code : undefined;
    const reason = redactParts(String(typeof own?.message === 'string' ? own.message : error), hidden);
    const timedOut = (error as Error | null)?.name === 'TimeoutError';
    // Not ours (or not whole): asking again would read as much again.
    const tooLarge = code === ANSWER_TOO_LARGE;
    const unsent = code !== undefined && NOT_CONNECTED.has(code);
    const safeCause = { name: (error as Error | null)?.name ?? 'Error', code, message: reason };
    let out: TargetError;
    if (code !== undefined && NOT_TLS.has(code) && this.url.startsWith('https:')) {
      // https:// to a server that answers in plain HTTP: OpenSSL's words say nothing to a person.
      return new TargetError(
        `cannot reach target ${this.name}: the server does not speak TLS (https://); it looks like a plain-HTTP server${spec.what ? `; ${spec.what} was not sent` : ''}`,
        {
          hint: 'use http:// for a plain-HTTP server (connectorops serve on this machine speaks plain HTTP), or put TLS in front of it',
          cause: safeCause,
        },
      );
    }
    if (unsent) {
      const where = this.url === this.name || this.url === `${this.name}/` ? this.name : `${this.name} (${this.url})`;
      out = new TargetError(`cannot reach target ${where}: ${code === 'ECONNREFUSED' ? 'connection refused' : reason}${spec.what ? `; ${spec.what} was not sent` : ''}`, {
        hint: 'is `connectorops serve` running there, and is the URL right?',
        cause: safeCause,
      });
    } else if (tooLarge && !spec.what) {
      out = new TargetError(`target ${this.name} answered ${spec.method} /${spec.path} with more than ${ANSWER_LIMIT / 1024 / 1024} MiB; it was not read`, {
        hint: 'is the URL that of a connectorops serve?',
        cause: safeCause,
      });
    } else if (spec.what) {
      // Sent, and no answer: the server may have carried it out. Only its journal can tell.
      out = new TargetError(
        `the outcome of ${spec.what} is unknown: ${timedOut ? `target ${this.name} did not answer within ${formatMs(spec.timeoutMs ?? this.#options.timeoutMs)}` : `the connection to target ${this.name} failed after the request was sent (${reason})`}; it may or may not have been carried out`,
        { hint: "run apply again: the target's journal says whether it was done, and nothing is carried out twice", cause: safeCause },
      );
    } else {
      out = new TargetError(
        timedOut
          ? `target ${this.name} did not answer ${spec.method} /${spec.path} within ${formatMs(spec.timeoutMs ?? this.#options.timeoutMs)}`
          : `the connection to target ${this.name} failed during ${spec.method} /${spec.path} (${reason})`,
        { cause: safeCause },
      );
    }
    if (unsent ? spec.retry !== 'never' : (spec.retry === 'idempotent' || spec.retry === 'action') && !timedOut && !tooLarge) RETRYABLE.add(out);
    NETWORK_CAUSE.set(out, error);
    return out;
  }

  /** An error answer, as the error class the target threw on the server. */
  #errorAnswer(response: Answer, spec: RequestSpec<unknown>, hidden: readonly string[]): Error {
    const status = response.status;
    const clean = (s: string | undefined) => (s === undefined ? undefined : redactParts(s, hidden));
    let body: z.infer<typeof ErrorBodySchema>['error'] | undefined;
    try {
      const parsed = ErrorBodySchema.safeParse(JSON.parse(response.text));
      if (parsed.success) body = parsed.data.error;
    } catch {
      // Not ours (a proxy's HTML page, say): described by its status below.
    }
    let out: Error;
    if (!body) {
      out = new TargetError(`target ${this.name} answered ${spec.method} /${spec.path} with HTTP ${status} ${response.statusText}`.trimEnd(), {
        status,
        ...(status === 502 || status === 503 || status === 504 ? { hint: 'the server (or a proxy in front of it) is unavailable; try again' } : {}),
        ...(status === 429 ? { hint: 'the server (or a proxy in front of it) asks for fewer requests; try again later' } : {}),
      });
    } else if (body.kind === 'lock-held' && body.lock) {
      const l = body.lock;
      const lock = { ...l, id: clean(l.id)!, holder: clean(l.holder)!, host: clean(l.host)!, operation: clean(l.operation)!, startedAt: clean(l.startedAt)! };
      out = new LockHeldError(lock, this.name, body.waitedMs ?? 0);
    } else if (body.kind === 'user') {
      const diagnostics = body.diagnostics?.map((d) => ({
        ...d,
        file: clean(d.file)!,
        message: clean(d.message)!,
        ...(d.hint !== undefined ? { hint: clean(d.hint)! } : {}),
      }));
      out = new UserError(clean(body.message)!, definedOnly({ rule: body.rule, hint: clean(body.hint), diagnostics }));
    } else if (body.kind === 'target') {
      out = new TargetError(clean(body.message)!, definedOnly({ status, rule: body.rule, hint: clean(body.hint) }));
    } else if (status === 401) {
      out = new TargetError(`target ${this.name} refused the token (HTTP 401)`, { status, hint: `set ${TOKEN_ENV} to the token the server was started with` });
    } else if (body.kind === 'internal') {
      out = new TargetError(`target ${this.name} failed on ${spec.method} /${spec.path} (HTTP ${status}): ${clean(body.message)}`, { status });
    } else {
      out = new TargetError(
        `target ${this.name} refused ${spec.method} /${spec.path} (HTTP ${status}): ${clean(body.message)}`,
        definedOnly({ status, hint: clean(body.hint) }),
      );
    }
    // 429 and 503: nothing was carried out, so anything may be asked again (after Retry-After).
    // A gateway's 502/504 may come after our request reached the server: only idempotent ones.
    const idempotent = spec.retry === 'idempotent' || spec.retry === 'action';
    if ((status === 429 || status === 503) && spec.retry !== 'never') {
      RETRYABLE.add(out);
      const after = retryAfterMs(response.headers['retry-after'] ?? null);
      if (after !== null) RETRY_AFTER.set(out, after);
    } else if (idempotent && (status === 502 || status === 504)) RETRYABLE.add(out);
    return out;
  }
}

/** The URL with a trailing slash (so that a path prefix is kept), refused when it carries what it must not. */
function baseUrl(spec: string, name: string): string {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new UserError(`target '${name}' is not a valid URL`, { hint: 'an HTTP target is http://HOST:PORT or https://HOST[/PATH]' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UserError(`target '${name}' is not an http(s) URL`);
  if (url.username || url.password) {
    // The credentials are not repeated: the message may end up in a CI log.
    throw new UserError(`target ${url.protocol}//${url.host}${url.pathname}: a target URL must not carry credentials`, {
      hint: `put the token in ${TOKEN_ENV} instead`,
    });
  }
  if (url.search || url.hash) throw new UserError(`target '${name}': a target URL has no query or fragment`, { hint: 'http://HOST:PORT or https://HOST[/PATH]' });
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.toString();
}

/**
 * `values` in order, cut into lists whose JSON stays under `bytes` (a value over it goes alone,
 * and the server says 413).
 */
function batches(values: string[], bytes: number): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const value of values) {
    // The JSON of a string: its UTF-8 bytes, quotes and a comma, plus escapes (6 bytes at most per character).
    // eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
    const cost = Buffer.byteLength(value) + 3 + (/["\\\u0000-\u001f]/.test(value) ? 6 * value.length : 0);
    if (current.length && size + cost > bytes) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(value);
    size += cost;
  }
  if (current.length) out.push(current);
  return out;
}

/** `Retry-After` in ms: delta-seconds or an HTTP date, at most MAX_RETRY_AFTER_MS; null when absent or unreadable. */
function retryAfterMs(header: string | null): number | null {
  if (header === null || header.trim() === '') return null;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  if (!Number.isFinite(ms)) return null;
  return Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}

/** A lock taken by this same process (same holder, host, pid and operation). */
function isOurs(lock: LockInfo, request: LockRequest): boolean {
  return lock.holder === request.holder && lock.host === request.host && lock.pid === request.pid && lock.operation === request.operation;
}

/** Only the fields of a lock request: a caller's object may carry more. */
function pickLockRequest(r: LockRequest): LockRequest {
  return { holder: r.holder, host: r.host, pid: r.pid, operation: r.operation };
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms}ms` : ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

/** zod leaves absent optional keys as `undefined`; the local target leaves them out. Same objects on both. */
function storedRollout(r: { id: string; document: unknown; open: boolean; events: RolloutEvent[] }): StoredRollout {
  return { id: r.id, document: r.document, open: r.open, events: r.events.map((e) => definedOnly(e)) };
}
