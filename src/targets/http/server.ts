/**
 * `connectorops serve`: any Target (normally a local one) as a small JSON API over node:http, for
 * `HttpTarget` (client.ts) to use. protocol.ts has the routes' bodies; docs/targets.md the prose.
 *
 * What this file is careful about, and why:
 * - Auth first: every route but /v1/health needs `Authorization: Bearer <token>`, compared in
 *   constant time (on sha256 digests, so that the lengths match too), before a body is read.
 * - Secrets (S2): bodies are never logged; secret values of a request are scrubbed from any
 *   message that leaves the server (response or log), even though the target never quotes them.
 * - An action is carried out by ONE `target.execute(action, secrets, journal)` call: its journal
 *   `pending` → `done` and its effect happen here, server-side, whatever becomes of the
 *   connection. A client that loses the answer finds the truth in the journal, or sends the same
 *   request again: with a journal context, a repeat gets the first result back and nothing is
 *   carried out twice (idempotency.ts).
 * - Waiting for a lock is done here in slices (LOCK_WAIT_SLICE_MS), and stops when the client goes
 *   away: a lock taken for a client that is no longer listening is released at once, never left
 *   held for a live-looking pid.
 * - Errors keep their class across the wire (protocol.ts `ErrorKind`): a rule refusal is 409 with
 *   its rule id, a held lock 423 with the lock, fixable input 400, a bug 500 with no details
 *   (those go to the log, with the stack).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as z from 'zod';
import { TargetError, UserError } from '../../errors.js';
import { parseAction } from '../action-schema.js';
import { LockHeldError, waitForLock } from '../lock.js';
import { ActionResults, type IdempotentResult } from './idempotency.js';
import { stateToSnapshot } from '../snapshot.js';
import { executeEach, type BatchAction, type JournalContext, type LockInfo, type LockRequest, type Target } from '../target.js';
import type { ActionBody } from '../../model/actions.js';
import type { SecretName } from '../../model/types.js';
import {
  ACTION_BATCH_MAX,
  ACTION_STREAM_PATH,
  ActionBatchRequestSchema,
  ActionRequestSchema,
  ActionStreamLineSchema,
  NDJSON,
  AuthorizeRequestSchema,
  CloseRolloutRequestSchema,
  DeauthorizeRequestSchema,
  InitializeRequestSchema,
  OpenRolloutRequestSchema,
  BODY_LIMIT,
  FingerprintsRequestSchema,
  LOCK_WAIT_SLICE_MS,
  LockAcquireRequestSchema,
  PROTOCOL_VERSION,
  SNAPSHOT_BODY_LIMIT,
  formatIssues,
  type ActionStreamAnswer,
  type ErrorBody,
  type ErrorKind,
} from './protocol.js';
import { redact } from '../../model/redact.js';
import { definedOnly } from '../../util/objects.js';
import { safeParse } from '../../util/safe-parse.js';

export interface ServerOptions {
  /** The target to serve. The server never closes it: whoever opened it does. */
  target: Target;
  /** The bearer token every request but /v1/health must carry (CONNECTOROPS_TOKEN). */
  token: string;
  /** Default 127.0.0.1: serving beyond this machine is a choice to make explicitly. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** One line per request (method, path, status, ms) and internal errors; default: stderr. */
  log?: (line: string) => void;
  /**
   * The longest one lock request waits for a held lock (default LOCK_WAIT_SLICE_MS); clients
   * wait longer in several requests.
   */
  maxLockWaitMs?: number;
  /** Connections open at once (default MAX_CONNECTIONS); more are closed as they come. */
  maxConnections?: number;
  /** How long a client may take to send a request's headers (default HEADERS_TIMEOUT_MS). */
  headersTimeoutMs?: number;
}

/**
 * Limits that keep a client without a token from locking everyone out: thousands of idle sockets
 * that never finish their headers would otherwise hold the server for as long as Node's defaults
 * (a minute of headers, five of request). A client of ours sends its headers at once.
 */
const MAX_CONNECTIONS = 256;
const HEADERS_TIMEOUT_MS = 10_000;
/** Node checks for expired headers and requests at this interval; its default (30 s) would stretch the timeout. */
const TIMEOUT_CHECK_MS = 1_000;

export interface RunningServer {
  /** `http://HOST:PORT`, with the port actually bound. */
  url: string;
  port: number;
  /** The node:http server, for tests that need to drop connections. */
  server: Server;
  /**
   * Stops accepting, ends lock waits in progress, lets requests in flight finish (an action in
   * flight commits or not, as a whole), then closes every connection. Leaves the target open.
   */
  close(): Promise<void>;
}

/** Polling interval for a held lock, as the local target's own. */
/** How long `close()` lets requests in flight finish before it drops their connections. */
const CLOSE_GRACE_MS = 10_000;

/** Starts serving; resolves once the server listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  if (!options.token) throw new UserError('the server needs a token', { hint: 'set CONNECTOROPS_TOKEN' });
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const expected = digest(options.token);
  const inFlight = new Set<Cancellation>();
  const life = { closing: false };
  // Where the target lives on the server's disk is none of the client's business.
  const hide = servedNames(options.target);
  const routes = makeRoutes(options.target, options.maxLockWaitMs ?? LOCK_WAIT_SLICE_MS, { hide, log });

  const headersTimeout = options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  // A connection's first headers must arrive within headersTimeout. Node's own headersTimeout is
  // set too, but (Node 20) it does not drop a connection whose headers stop halfway; this does.
  const awaitingHeaders = new WeakMap<Socket, NodeJS.Timeout>();
  const server = createServer({ headersTimeout, requestTimeout: 5 * 60_000, connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_MS, headersTimeout) }, (req, res) => {
    clearTimeout(awaitingHeaders.get(req.socket));
    awaitingHeaders.delete(req.socket);
    const cancel = new Cancellation();
    inFlight.add(cancel);
    // The client went away before we answered (or the server is closing): stop waiting for it.
    res.on('close', () => {
      inFlight.delete(cancel);
      if (!res.writableFinished) cancel.abort();
    });
    void serve(req, res, { routes, expected, log, cancel, life, hide });
  });
  // A request body that never ends must not hold a connection forever (requestTimeout above);
  // connections beyond the limit are closed by Node as they arrive.
  server.maxConnections = options.maxConnections ?? MAX_CONNECTIONS;
  server.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => socket.destroy(), headersTimeout);
    timer.unref();
    awaitingHeaders.set(socket, timer);
    socket.once('close', () => clearTimeout(timer));
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // After listening, a server error (out of file descriptors, say) is logged, never a crash.
  server.on('error', (error) => log(`server error: ${error.message}`));
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    server,
    close() {
      life.closing = true;
      closing ??= new Promise<void>((resolve) => {
        const grace = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        server.close(() => {
          clearTimeout(grace);
          resolve();
        });
        for (const a of inFlight) a.abort();
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Requests

interface Context {
  routes: Route[];
  expected: Buffer;
  log: (line: string) => void;
  /** Aborted when the client goes away or the server closes. */
  cancel: Cancellation;
  /** Once closing, answers end their connection: an idle keep-alive one would hold `close()` up. */
  life: { closing: boolean };
  /** The target's name and path as the server knows them: replaced in every message that goes out. */
  hide: string[];
}

interface Call {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** Aborted when the client goes away or the server closes. */
  readonly signal: AbortSignal;
  /** Secret values that came in this request: scrubbed from anything that goes out. */
  secrets: string[];
}

interface Reply {
  status: number;
  body?: unknown;
}

type Route = JsonRoute | StreamRoute;

interface RouteBase {
  method: string;
  pattern: RegExp;
  /** Unauthenticated: only /v1/health, which says nothing but "up". */
  open?: boolean;
  /** With a JSON body of at most this many bytes. */
  limit?: number;
}

interface JsonRoute extends RouteBase {
  handle(call: Call): Promise<Reply>;
}

/**
 * A route that reads its body and writes its answer as they stream (`POST /v1/actions/stream`),
 * after the same auth and routing as every other.
 */
interface StreamRoute extends RouteBase {
  stream(req: IncomingMessage, res: ServerResponse, call: Call): void;
}

/**
 * A request's cancellation (the client went away, or the server is closing). Its AbortController
 * is made only when a route asks for the signal: only a lock wait does, and on Node 20 a
 * controller per request cost more than routing a small request (issue 25).
 */
class Cancellation {
  #controller: AbortController | null = null;
  #aborted = false;

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort();
    }
    return this.#controller.signal;
  }

  abort(): void {
    this.#aborted = true;
    this.#controller?.abort();
  }
}

/** A failure of the request itself (the HTTP layer), as opposed to one of the target. */
class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly hint?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

async function serve(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  const started = performance.now();
  const method = req.method ?? 'GET';
  let path = '/';
  const call: Call = {
    params: {},
    query: new URLSearchParams(),
    body: undefined,
    get signal() {
      return ctx.cancel.signal;
    },
    secrets: [],
  };
  let logged = false;
  const logLine = () => {
    if (logged) return;
    logged = true;
    const status = res.writableFinished ? String(res.statusCode) : '- (the client went away)';
    ctx.log(`${method} ${path} ${status} ${(performance.now() - started).toFixed(1)}ms`);
  };
  res.on('finish', logLine);
  res.on('close', logLine);
  try {
    const url = new URL(req.url ?? '/', 'http://server.invalid');
    path = url.pathname;
    call.query = url.searchParams;
    // Auth before routing: without a token, every path but /v1/health answers 401 alike, so
    // that nobody learns which routes exist (or which methods they take) without one.
    const authed = url.pathname === HEALTH_PATH ? null : authorized(req, ctx.expected);
    if (authed === false) throw unauthorized();
    const { route, params } = findRoute(ctx.routes, method, url.pathname);
    // Read nothing of an unauthenticated request's body.
    if (!route.open && !(authed ?? authorized(req, ctx.expected))) throw unauthorized();
    call.params = params;
    if ('stream' in route) return route.stream(req, res, call);
    if (route.limit !== undefined) {
      call.body = parseJson(await readBody(req, route.limit));
      call.secrets = secretsOf(call.body);
    }
    const reply = await route.handle(call);
    if (ctx.life.closing) res.setHeader('connection', 'close');
    send(res, reply.status, reply.body);
  } catch (error) {
    const { status, body, headers } = failure(error, call.secrets, ctx, `${method} ${path}`);
    // A body we stopped reading (too large, not authorized) must not be taken for the next request.
    if (!req.complete || ctx.life.closing) res.setHeader('connection', 'close');
    send(res, status, body, headers);
  }
}

function findRoute(routes: Route[], method: string, pathname: string): { route: Route; params: Record<string, string> } {
  let pathMatched = false;
  for (const route of routes) {
    const m = route.pattern.exec(pathname);
    if (!m) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(m.groups ?? {})) {
      try {
        params[name] = decodeURIComponent(value);
      } catch {
        throw new RequestError(400, `the path segment for ${name} is not valid percent-encoding`);
      }
    }
    return { route, params };
  }
  if (pathMatched) {
    const allowed = routes.filter((r) => r.pattern.test(pathname)).map((r) => r.method);
    throw new RequestError(405, `${method} is not allowed on ${pathname}`, `use ${allowed.join(' or ')}`, { allow: allowed.join(', ') });
  }
  throw new RequestError(404, `no such route: ${method} ${pathname}`, `this server speaks protocol v${PROTOCOL_VERSION}; is the client a matching connectorops?`);
}

const HEALTH_PATH = '/v1/health';

function unauthorized(): RequestError {
  return new RequestError(401, 'missing or wrong bearer token', "send Authorization: Bearer <the server's CONNECTOROPS_TOKEN>", {
    'www-authenticate': 'Bearer realm="connectorops"',
  });
}

/** The served target's name (`local:/srv/acct.db`) and path, longest first, for `hidePaths`. */
function servedNames(target: Target): string[] {
  const path = (target as { path?: unknown }).path;
  return [target.name, ...(typeof path === 'string' ? [path] : [])].filter((n) => n.length >= 3).sort((a, b) => b.length - a.length);
}

/** `text` with the served target's name and path replaced by words that reveal nothing of the server's disk. */
function hidePaths(text: string, hide: string[]): string {
  let out = text;
  for (const name of hide) out = out.split(name).join('<served target>');
  return out;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function authorized(req: IncomingMessage, expected: Buffer): boolean {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return false;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  // Comparing digests: equal lengths always, and no early exit that times the token.
  return m !== null && timingSafeEqual(digest(m[1]!), expected);
}

/** The body, refused with 413 past `limit` bytes (by Content-Length, or as it streams in). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new RequestError(413, `the request body is larger than the server accepts (${limit} bytes)`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => failed || resolve(Buffer.concat(chunks)));
    req.on('error', (error) => failed || reject(error));
  });
}

function parseJson(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  if (text.trim() === '') throw new RequestError(400, 'the request has no body; it needs a JSON body');
  try {
    return JSON.parse(text);
  } catch (error) {
    // Where, not what: the body may hold secret values, so none of it is quoted.
    const at = /position (\d+)/.exec((error as Error).message);
    throw new RequestError(400, `the request body is not valid JSON${at ? ` (at byte ${at[1]})` : ''}`, 'send a JSON body with Content-Type: application/json');
  }
}

/** The secret values a body carries: the values to fingerprint, an action's secrets, those of each action of a batch. */
function secretsOf(body: unknown, out: string[] = []): string[] {
  if (body === null || typeof body !== 'object') return out;
  const { values, secrets, actions } = body as { values?: unknown; secrets?: unknown; actions?: unknown };
  if (Array.isArray(values)) for (const v of values) if (typeof v === 'string') out.push(v);
  if (secrets !== null && typeof secrets === 'object') for (const v of Object.values(secrets)) if (typeof v === 'string') out.push(v);
  if (Array.isArray(actions)) for (const a of actions) secretsOf(a, out);
  return out;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** `errorReply`, and a bug (a 500 that is neither a TargetError nor a RequestError) logged with its stack, secrets redacted. */
function failure(
  error: unknown,
  secrets: string[],
  ctx: Pick<Context, 'hide' | 'log'>,
  where: string,
): { status: number; body: ErrorBody; headers: Record<string, string> } {
  const reply = errorReply(error, secrets, ctx.hide);
  if (reply.status >= 500 && !(error instanceof TargetError) && !(error instanceof RequestError)) {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    ctx.log(`internal error on ${where}: ${redact(text, secrets)}`);
  }
  return reply;
}

/** An error as a status and a body the client rebuilds the same error class from. */
function errorReply(error: unknown, secrets: string[], hide: string[]): { status: number; body: ErrorBody; headers: Record<string, string> } {
  const clean = (text: string | undefined) => (text === undefined ? undefined : hidePaths(redact(text, secrets), hide));
  const body = (kind: ErrorKind, message: string, extra: Omit<ErrorBody['error'], 'kind' | 'message'> = {}): ErrorBody => {
    const e: ErrorBody['error'] = { kind, message: clean(message)! };
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) (e as Record<string, unknown>)[k] = k === 'hint' ? clean(v as string) : v;
    return { error: e };
  };
  if (error instanceof RequestError) return { status: error.status, body: body('request', error.message, { hint: error.hint }), headers: error.headers };
  if (error instanceof LockHeldError || error instanceof LockWaitOver) {
    const held = error instanceof LockWaitOver ? error.held : error;
    const waitedMs = error instanceof LockWaitOver ? error.waitedMs : 0;
    return { status: 423, body: body('lock-held', held.message, { hint: held.details.hint, lock: held.lock, waitedMs }), headers: {} };
  }
  if (error instanceof UserError) {
    return {
      status: 400,
      body: body('user', error.message, { rule: error.details.rule, hint: error.details.hint, diagnostics: error.details.diagnostics }),
      headers: {},
    };
  }
  if (error instanceof TargetError) {
    const { status: own, rule, hint } = error.details;
    const status = typeof own === 'number' && own >= 400 && own <= 599 ? own : rule !== undefined ? 409 : 500;
    return { status, body: body('target', error.message, { rule, hint }), headers: {} };
  }
  return { status: 500, body: body('internal', 'the server failed on this request; its log has the details'), headers: {} };
}

/** The lock stayed held for as long as this request may wait; the client may ask again. */
class LockWaitOver extends Error {
  constructor(
    readonly held: LockHeldError,
    readonly waitedMs: number,
  ) {
    super(held.message);
  }
}

// ---------------------------------------------------------------------------------------------
// Routes

/** One action's answer in a batch's or a stream's: its result, or the error (and status) POST /v1/actions would have answered. */
type ActionOutcome = ({ ok: true } & IdempotentResult) | { ok: false; status: number; error: ErrorBody['error'] };

/**
 * What a batch and a stream both do with their actions: check each (refused alone, as
 * POST /v1/actions would refuse it), then carry out a group of checked ones together (those not
 * answered already by their idempotency key: one executeBatch, one store transaction, on a target
 * that offers it) and answer each on its own. `secrets`: the request's (or the group's) secret
 * values, scrubbed from every refusal.
 */
function actionGroupsOf(target: Target, results: ActionResults, ctx: Pick<Context, 'hide' | 'log'>) {
  const refused = (error: unknown, secrets: string[], where: string): ActionOutcome => {
    const { status, body } = failure(error, secrets, ctx, where);
    return { ok: false, status, error: body.error };
  };
  return {
    refused,
    check(
      request: { action: unknown; secrets: Partial<Record<SecretName, string>>; journal: JournalContext },
      secrets: string[],
      where: string,
    ): BatchAction | ActionOutcome {
      try {
        return { action: parseAction(request.action), secrets: request.secrets, journal: request.journal };
      } catch (error) {
        return refused(error, secrets, where);
      }
    },
    async carryOut(group: readonly BatchAction[], secrets: string[], where: string): Promise<ActionOutcome[]> {
      const answers = await results.each(group, (fresh) => {
        const batch = fresh.map((i) => group[i]!);
        return target.executeBatch ? target.executeBatch(batch) : executeEach(target, batch);
      });
      return answers.map((answer) => (answer.ok ? { ok: true, ...answer.result } : refused(answer.error, secrets, where)));
    },
  };
}
type ActionGroups = ReturnType<typeof actionGroupsOf>;

function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = safeParse(schema, body);
  if (!parsed.success) throw invalidBody(parsed.error);
  return parsed.data;
}

/** A body (or a stream's line) that fails its schema. */
function invalidBody(error: z.ZodError): RequestError {
  return new RequestError(400, `the request body is not valid: ${formatIssues(error)}`);
}

const SEGMENT = '(?<NAME>[^/]+)';
function route(method: string, template: string, handle: JsonRoute['handle'], extra: Partial<JsonRoute> = {}): JsonRoute {
  const source = template.replace(/:(\w+)/g, (_, name: string) => SEGMENT.replace('NAME', name));
  return { method, pattern: new RegExp(`^${source}$`), handle, ...extra };
}

function makeRoutes(target: Target, maxLockWaitMs: number, ctx: Pick<Context, 'hide' | 'log'>): Route[] {
  const results = new ActionResults(target);
  const actionGroups = actionGroupsOf(target, results, ctx);
  /** One action: a call of `target.execute`, once per (run, action) with a journal context. */
  const executeOne = async (request: z.output<typeof ActionRequestSchema>) => {
    const action = parseAction(request.action);
    // One call: pending, the effect and done all happen here, atomic from the client's side.
    const execute = () => target.execute(action, request.secrets, request.journal);
    // With a journal context the action is idempotent: a repeat gets the first result back.
    return request.journal ? await results.once(request.journal, action, execute) : await execute();
  };
  return [
    route('GET', HEALTH_PATH, async () => ({ status: 200, body: { ok: true, protocol: PROTOCOL_VERSION } }), { open: true }),

    route('GET', '/v1/state', async () => {
      const { state, serial, digest: stateDigest } = await target.read();
      return { status: 200, body: { serial, digest: stateDigest, snapshot: stateToSnapshot(state) } };
    }),

    route(
      'POST',
      '/v1/fingerprints',
      async ({ body }) => {
        const { values } = parseBody(FingerprintsRequestSchema, body);
        return { status: 200, body: { fingerprints: await target.fingerprintSecrets(values) } };
      },
      { limit: BODY_LIMIT },
    ),

    route('POST', '/v1/actions', async ({ body }) => ({ status: 200, body: await executeOne(parseBody(ActionRequestSchema, body)) }), { limit: BODY_LIMIT }),

    route(
      'POST',
      '/v1/actions/batch',
      async ({ body, secrets }) => {
        // One after another, in the order sent, each as POST /v1/actions would: checked, judged,
        // journaled and answered on its own, with its idempotency key; one failing stops or
        // undoes none of the others (they are independent: the client sends only actions it has
        // in flight at once). Those not answered already are committed together, in one store
        // transaction, by a target that offers it (Target.executeBatch: the local target).
        const { actions } = parseBody(ActionBatchRequestSchema, body);
        const out: Array<ActionOutcome | null> = actions.map(() => null);
        const checked: Array<BatchAction & { at: number }> = [];
        actions.forEach((request, at) => {
          const c = actionGroups.check(request, secrets, 'POST /v1/actions/batch');
          if ('ok' in c) out[at] = c;
          else checked.push({ ...c, at });
        });
        const outcomes = await actionGroups.carryOut(checked, secrets, 'POST /v1/actions/batch');
        outcomes.forEach((o, i) => (out[checked[i]!.at] = o));
        return { status: 200, body: { results: out } };
      },
      { limit: BODY_LIMIT },
    ),

    {
      method: 'POST',
      pattern: new RegExp(`^/${ACTION_STREAM_PATH}$`),
      stream: (req, res, call) => streamActions(req, res, call, { actionGroups }),
    },

    route('GET', '/v1/journal/:runId', async ({ params }) => ({ status: 200, body: { entries: await target.journal(params.runId!) } })),

    route(
      'POST',
      '/v1/locks',
      async ({ body, signal }) => {
        const { timeoutMs, ...request } = parseBody(LockAcquireRequestSchema, body);
        const lock = await acquireWhileListening(target, request, Math.min(timeoutMs, maxLockWaitMs), signal);
        return { status: 201, body: { lock } };
      },
      { limit: BODY_LIMIT },
    ),

    route('DELETE', '/v1/locks/:id', async ({ params }) => {
      await target.releaseLock(params.id!);
      return { status: 204 };
    }),

    route('POST', '/v1/locks/:id/force-unlock', async ({ params }) => ({ status: 200, body: { released: await target.forceUnlock(params.id!) } })),

    route('GET', '/v1/snapshot', async () => ({ status: 200, body: await target.exportSnapshot() })),

    route(
      'PUT',
      '/v1/snapshot',
      async ({ body, query }) => {
        const force = query.get('force');
        if (force !== null && force !== '1' && force !== 'true' && force !== '0' && force !== 'false') {
          throw new RequestError(400, `force=${JSON.stringify(force).slice(0, 40)} is neither 1 nor 0`);
        }
        // importSnapshot validates the whole document (schema, rules) before it changes anything.
        await target.importSnapshot(body as never, { force: force === '1' || force === 'true' });
        return { status: 204 };
      },
      { limit: SNAPSHOT_BODY_LIMIT },
    ),

    route(
      'POST',
      '/v1/connections/:linkName/authorize',
      async ({ params, body }) => {
        const { account, journal, environment, user, announced } = parseBody(AuthorizeRequestSchema, body);
        await target.authorize(params.linkName!, account, journal, definedOnly({ environment, user, announced }));
        return { status: 204 };
      },
      { limit: BODY_LIMIT },
    ),

    route(
      'POST',
      '/v1/connections/:linkName/deauthorize',
      async ({ params, body }) => {
        const { environment, user, journal } = parseBody(DeauthorizeRequestSchema, body);
        const removed = await target.deauthorize(params.linkName!, definedOnly({ environment, user }), journal);
        return { status: 200, body: { removed } };
      },
      { limit: BODY_LIMIT },
    ),

    // Rollouts (docs/rollouts.md): the target's mode, and its rollouts. Steps go through
    // /v1/actions and /v1/connections/:linkName/authorize with a journal context.
    route('GET', '/v1/info', async () => ({ status: 200, body: await target.info() })),

    route(
      'PUT',
      '/v1/info',
      async ({ body }) => {
        const { mode, account } = parseBody(InitializeRequestSchema, body);
        await target.initialize(mode, account);
        return { status: 204 };
      },
      { limit: BODY_LIMIT },
    ),

    route('GET', '/v1/rollouts', async () => ({ status: 200, body: { rollouts: await target.rollouts() } })),

    route('GET', '/v1/rollouts/open', async () => ({ status: 200, body: { rollout: await target.currentRollout() } })),

    route(
      'POST',
      '/v1/rollouts',
      async ({ body }) => {
        const { id, document, opened } = parseBody(OpenRolloutRequestSchema, body);
        await target.openRollout(id, document, opened);
        return { status: 201 };
      },
      // A rollout carries its whole plan: as large as a snapshot may be.
      { limit: SNAPSHOT_BODY_LIMIT },
    ),

    route(
      'POST',
      '/v1/rollouts/:id/close',
      async ({ params, body }) => {
        const { event } = parseBody(CloseRolloutRequestSchema, body);
        await target.closeRollout(params.id!, event);
        return { status: 204 };
      },
      { limit: BODY_LIMIT },
    ),
  ];
}

/**
 * `acquireLock`, waiting up to `waitMs` for a held lock, but only while the client listens:
 * polled here (not inside the target) so that a client that went away stops the wait, and a lock
 * taken at the moment it left is released rather than left to a holder that never learns of it.
 */
async function acquireWhileListening(target: Target, request: LockRequest, waitMs: number, signal: AbortSignal): Promise<LockInfo & { tookOverFrom?: LockInfo }> {
  try {
    return await waitForLock(
      async () => {
        const lock = await target.acquireLock(request, { timeoutMs: 0 });
        if (signal.aborted) {
          await target.releaseLock(lock.id);
          throw new RequestError(503, 'the request was cancelled (the client went away, or the server is stopping) as the lock was taken; it was released again');
        }
        return lock;
      },
      { timeoutMs: waitMs, target: target.name, signal },
    );
  } catch (error) {
    if (error instanceof LockHeldError) throw new LockWaitOver(error, error.waitedMs);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// POST /v1/actions/stream

/** A line of the stream, checked: what executeBatch takes, with the line's id and its secret values. */
interface StreamLine {
  id: number;
  action: ActionBody;
  secrets: Partial<Record<SecretName, string>>;
  journal: JournalContext;
  values: string[];
}

/** Lines waiting to be carried out past which the server stops reading the stream until they are (backpressure). */
const STREAM_QUEUE_HIGH = 4 * ACTION_BATCH_MAX;

/**
 * `POST /v1/actions/stream` (protocol.ts): answered 200 at once; each line of the body is an
 * action, carried out as it would be in a batch (checked, judged, journaled and answered on its
 * own, idempotent by its journal context); the lines that arrived while the ones before were being
 * carried out go together into one `executeBatch` (one store transaction; no answer before its
 * commit: docs/targets.md, "Batches"), and their answers are written, one line each, as soon as
 * it commits. The stream ends when the client ends its body and every line is answered; a line
 * that is not JSON, has no id, or is longer than BODY_LIMIT ends it early with an answer line
 * without an id (the lines after it are not carried out). A line with an id that fails the schema
 * is refused alone. Reading pauses while the queue is full or the client does not read the
 * answers (`res.write` asks to wait for 'drain'), so a client that only writes cannot make the
 * server hold its answers without bound. When the client goes away, lines not yet started are
 * dropped (not carried out, never answered: the client sends them again); when the server
 * closes, it reads no more lines, carries out those it has, answers them and ends the stream.
 */
function streamActions(req: IncomingMessage, res: ServerResponse, call: Call, { actionGroups }: { actionGroups: ActionGroups }): void {
  res.writeHead(200, { 'content-type': `${NDJSON}; charset=utf-8`, 'cache-control': 'no-store' });
  res.flushHeaders();
  // Ended before the client ended its body (an early end, the server closing): the connection
  // cannot carry another request (the rest of this body would be read as one), so it is closed
  // once the answer has gone out.
  res.on('finish', () => {
    if (!req.complete) req.socket.end();
  });
  const queue: StreamLine[] = [];
  let partial: Buffer[] = [];
  let partialBytes = 0;
  let lineNo = 0;
  /** No more lines are taken: the body ended, a line ended the stream, or the server is closing. */
  let stopped = false;
  let working = false;
  /** A pump is due at the end of this turn of the event loop. */
  let due = false;
  // Node's HTTP parser hands each chunk of a chunked body over as a 'data' event of its own, one
  // line each as the client writes them: the pump runs once the lines read together are all in
  // the queue, so that they go into one executeBatch (one commit, one write of their answers),
  // not one each.
  const schedule = () => {
    if (due) return;
    due = true;
    setImmediate(() => {
      due = false;
      void pump();
    });
  };
  /** The answer line (without an id) that ends the stream early. */
  let fatal: ActionStreamAnswer | null = null;
  /** The client does not read the answers as fast as they come: wait for 'drain' before reading more lines. */
  let draining = false;
  /** The one place that decides whether lines are read: not while the queue is full, nor while the answers wait to drain. */
  const flow = () => {
    if (stopped) return; // `stop` reads and drops the rest
    if (draining || queue.length >= STREAM_QUEUE_HIGH) req.pause();
    else if (req.isPaused()) req.resume();
  };
  const write = (answers: ActionStreamAnswer[]) => {
    if (!answers.length || res.destroyed) return;
    if (!res.write(answers.map((a) => JSON.stringify(a)).join('\n') + '\n') && !draining) {
      draining = true;
      res.once('drain', () => {
        draining = false;
        flow();
      });
      flow();
    }
  };
  const WHERE = 'POST /v1/actions/stream';
  const stop = (answer?: ActionStreamAnswer) => {
    if (answer && !stopped) fatal = answer;
    stopped = true;
    partial = [];
    req.resume(); // whatever else comes is read and dropped, never taken for another request
    finishIfDone();
  };
  const finishIfDone = () => {
    if (!stopped || working || queue.length || res.writableEnded) return;
    if (fatal) write([fatal]);
    res.end();
  };
  const take = (bytes: Buffer) => {
    lineNo++;
    const text = bytes.toString('utf8');
    if (text.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // Where, not what: the line may hold secret values.
      stop(streamFailure(400, `line ${lineNo} of the stream is not valid JSON; the stream ends here, and no line after it was carried out`));
      return;
    }
    const secrets = secretsOf(json);
    const parsed = safeParse(ActionStreamLineSchema, json);
    const id = (json as { id?: unknown } | null)?.id;
    if (!parsed.success) {
      if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) {
        write([{ id, ...actionGroups.refused(invalidBody(parsed.error), secrets, WHERE) }]);
      } else {
        stop(streamFailure(400, `line ${lineNo} of the stream has no id (a whole number); the stream ends here, and no line after it was carried out`));
      }
      return;
    }
    const c = actionGroups.check(parsed.data, secrets, WHERE);
    if ('ok' in c) write([{ id: parsed.data.id, ...c }]);
    else queue.push({ id: parsed.data.id, ...c, values: secrets });
  };
  const pump = async () => {
    if (working) return;
    working = true;
    while (queue.length) {
      if (res.destroyed) {
        // The client went away: lines not started are not carried out (it sends them again).
        queue.length = 0;
        break;
      }
      const group = queue.splice(0, ACTION_BATCH_MAX);
      const outcomes = await actionGroups.carryOut(
        group,
        group.flatMap((l) => l.values),
        WHERE,
      );
      write(outcomes.map((o, i) => ({ id: group[i]!.id, ...o })));
      flow();
    }
    working = false;
    finishIfDone();
  };
  const tooLong = () =>
    streamFailure(
      413,
      `line ${lineNo + 1} of the stream is longer than the server accepts (${BODY_LIMIT} bytes); the stream ends here, and no line after it was carried out`,
    );
  req.on('data', (chunk: Buffer) => {
    if (stopped) return;
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1 && !stopped; nl = chunk.indexOf(10, start)) {
      let line = chunk.subarray(start, nl);
      if (partial.length) {
        line = Buffer.concat([...partial, line]);
        partial = [];
        partialBytes = 0;
      }
      start = nl + 1;
      if (line.length > BODY_LIMIT) stop(tooLong());
      else take(line);
    }
    if (!stopped && start < chunk.length) {
      partial.push(chunk.subarray(start));
      partialBytes += chunk.length - start;
      if (partialBytes > BODY_LIMIT) stop(tooLong());
    }
    flow();
    schedule();
  });
  req.on('end', () => {
    if (stopped) return;
    if (partial.length) take(Buffer.concat(partial));
    stop();
    schedule();
  });
  // The server is closing, or the client went away: no more lines.
  call.signal.addEventListener('abort', () => stop(), { once: true });
}

/** An answer line without an id: what ended the stream. */
function streamFailure(status: number, message: string): ActionStreamAnswer {
  return { status, error: { kind: 'request', message } };
}
