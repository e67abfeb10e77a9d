/**
 * What only the HTTP target has (the Target contract itself is in conformance.test.ts): opening
 * it, the bearer token, body limits and malformed requests, secrets kept out of logs and answers,
 * retries (idempotent requests only, never an action), an answer lost after an action, lock
 * waits in slices, a client that goes away while it waits, and shutdown. Everything is real HTTP
 * on 127.0.0.1 against the real server over a real local target; where a failure must happen at
 * one exact point, a decorator around the real target (or the server's real connections) makes it.
 */
import { once } from 'node:events';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TargetError, UserError } from '../../src/errors.js';
import { HttpTarget, type HttpTargetOptions } from '../../src/targets/http/client.js';
import { BODY_LIMIT } from '../../src/targets/http/protocol.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/targets/http/server.js';
import { openTarget } from '../../src/targets/index.js';
import { LocalTarget } from '../../src/targets/local/local-target.js';
import { LockHeldError } from '../../src/targets/lock.js';
import { stateToSnapshot } from '../../src/targets/snapshot.js';
import type { LockRequest, Target } from '../../src/targets/target.js';
import { state } from '../support/builders.js';
import { act, secretRefs, tempDir } from '../support/target.js';
import { oauth2 } from '../support/builders.js';

const TOKEN = 'http-test-token-0123456789abcdef';
const SECRET = 'Sup3r-s3cret-client-value';
const someoneElse: LockRequest = { holder: 'ci@runner-7', host: 'runner-7.elsewhere.example', pid: 4242, operation: 'apply' };
const me: LockRequest = { holder: 'me@here', host: 'here.example', pid: 1, operation: 'apply' };

let tmp: ReturnType<typeof tempDir>;
const cleanups: Array<() => Promise<void> | void> = [];

beforeEach(() => {
  tmp = tempDir('connectorops-http-');
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  tmp.cleanup();
});

interface Served {
  store: LocalTarget;
  running: RunningServer;
  client: HttpTarget;
  logs: string[];
}

/** A real local target, served by the real server (optionally through `wrap`), and a client of it. */
async function serve(
  options: { wrap?: (store: LocalTarget, running: () => RunningServer) => Target; client?: Partial<HttpTargetOptions>; server?: Partial<ServerOptions> } = {},
): Promise<Served> {
  const store = LocalTarget.open(join(tmp.dir, `t-${cleanups.length}.db`), { name: 'local:/srv/connectorops/prod.db' });
  const logs: string[] = [];
  let running!: RunningServer;
  const target = options.wrap ? options.wrap(store, () => running) : store;
  running = await startServer({ target, token: TOKEN, port: 0, log: (l) => logs.push(l), ...options.server });
  const client = new HttpTarget(running.url, { token: TOKEN, retryDelayMs: 1, ...options.client });
  cleanups.push(
    () => store.close(),
    () => running.close(),
  );
  return { store, running, client, logs };
}

/**
 * The real target with some of its methods replaced; `this` stays the real target. One that
 * replaces `execute` sees every action: the server carries out a batch through `executeBatch`
 * when the target has it, so it is hidden then (the server falls back to `execute`, each action).
 */
function around(inner: Target, overrides: Partial<Record<keyof Target, unknown>>): Target {
  return new Proxy(inner, {
    get(target, prop) {
      if (prop in overrides) return overrides[prop as keyof Target];
      if (prop === 'executeBatch' && 'execute' in overrides) return undefined;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function raw(url: string, path: string, init: RequestInit & { token?: string | null } = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const headers = new Headers(init.headers);
  if (init.token !== null) headers.set('authorization', `Bearer ${init.token ?? TOKEN}`);
  const r = await fetch(url + path, { ...init, headers });
  return { status: r.status, text: await r.text(), headers: r.headers };
}

async function freePort(): Promise<number> {
  const srv = createNetServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as AddressInfo).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves once `logs` holds `n` lines matching `match` (the server logs each request as it ends). */
async function logged(logs: string[], match: RegExp, n = 1): Promise<void> {
  while (logs.filter((l) => match.test(l)).length < n) await new Promise((r) => setImmediate(r));
}

describe('openTarget', () => {
  it('http(s):// opens an HttpTarget named as typed, with the token from CONNECTOROPS_TOKEN; it reads what the server holds', async () => {
    const { running, store } = await serve();
    await store.execute(act.createConnector('crm'), { clientSecret: SECRET });
    const t = await openTarget(running.url, { env: { CONNECTOROPS_TOKEN: TOKEN } });
    expect(t).toBeInstanceOf(HttpTarget);
    expect(t.name).toBe(running.url);
    expect((await t.read()).serial).toBe(1);
    const named = await openTarget(`${running.url}/`, { name: 'production', env: { CONNECTOROPS_TOKEN: TOKEN } });
    expect(named.name).toBe('production');
    expect([...(await named.read()).state.connectors.keys()]).toEqual(['crm']);
    // Opening sends nothing: an https URL that nobody serves opens fine.
    await expect(openTarget('https://connectorops.invalid/base', { env: { CONNECTOROPS_TOKEN: TOKEN } })).resolves.toBeInstanceOf(HttpTarget);
  });

  it('refuses without a token, with credentials in the URL (not repeating them), or with a query', async () => {
    const e = (await openTarget('http://127.0.0.1:9', { env: {} }).catch((x: unknown) => x)) as UserError;
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe('target http://127.0.0.1:9 is served over HTTP and needs a token: CONNECTOROPS_TOKEN is not set');
    expect(e.details.hint).toMatch(/set CONNECTOROPS_TOKEN/);
    const creds = (await openTarget('http://alice:pa55word-xyz@127.0.0.1:9', { name: 'x', env: { CONNECTOROPS_TOKEN: TOKEN } }).catch((x: unknown) => x)) as UserError;
    expect(creds).toBeInstanceOf(UserError);
    expect(creds.message).toMatch(/must not carry credentials/);
    expect(JSON.stringify([creds.message, creds.details])).not.toContain('pa55word-xyz');
    await expect(openTarget('http://127.0.0.1:9/?x=1', { env: { CONNECTOROPS_TOKEN: TOKEN } })).rejects.toThrow(/no query or fragment/);
    const spaced = (await openTarget('http://127.0.0.1:9', { env: { CONNECTOROPS_TOKEN: 'two words-0123456789' } }).catch((x: unknown) => x)) as UserError;
    expect(spaced).toBeInstanceOf(UserError);
    expect(spaced.message).toBe('CONNECTOROPS_TOKEN holds characters that an HTTP header cannot carry (spaces, line breaks or non-ASCII)');
  });

  it('never follows a redirect: the token stays with the server it was meant for', async () => {
    let elsewhere = 0;
    const other: Server = createHttpServer((_req, res) => {
      elsewhere++;
      res.end('{}');
    });
    const redirector: Server = createHttpServer((_req, res) => {
      res.writeHead(307, { location: `http://127.0.0.1:${(other.address() as AddressInfo).port}/v1/state` }).end();
    });
    for (const srv of [other, redirector]) {
      srv.listen(0, '127.0.0.1');
      await once(srv, 'listening');
      cleanups.push(() => new Promise<void>((r) => srv.close(() => r())));
    }
    const client = new HttpTarget(`http://127.0.0.1:${(redirector.address() as AddressInfo).port}`, { token: TOKEN, name: 'prod' });
    const e = (await client.read().catch((x: unknown) => x)) as TargetError;
    expect(e).toBeInstanceOf(TargetError);
    expect(e.message).toMatch(/^target prod answered GET \/v1\/state with a redirect \(HTTP 307 to http:\/\/127\.0\.0\.1:\d+\/v1\/state\); it was not followed$/);
    expect(elsewhere).toBe(0);
  });
});

describe('the bearer token', () => {
  it('401 without a token or with a wrong one, before any body is read; /v1/health needs none', async () => {
    const { running } = await serve();
    for (const token of [null, 'wrong-token-0123456789abcdef', `${TOKEN}x`, TOKEN.slice(0, -1)]) {
      const r = await raw(running.url, '/v1/fingerprints', { method: 'POST', body: JSON.stringify({ values: [SECRET] }), token });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(JSON.parse(r.text)).toMatchObject({ error: { kind: 'request', message: 'missing or wrong bearer token' } });
    }
    expect((await raw(running.url, '/v1/state', { headers: { authorization: `Basic ${TOKEN}` }, token: null })).status).toBe(401);
    expect(await raw(running.url, '/v1/health', { token: null })).toMatchObject({ status: 200, text: '{"ok":true,"protocol":1}' });
    expect((await raw(running.url, '/v1/state')).status).toBe(200);
  });

  it('the client with a wrong token: a TargetError (401) that says which variable to fix and never holds the token', async () => {
    const { running } = await serve();
    const wrong = 'not-the-token-but-secret-too-42';
    const client = new HttpTarget(running.url, { token: wrong, name: 'prod' });
    const e = (await client.read().catch((x: unknown) => x)) as TargetError;
    expect(e).toBeInstanceOf(TargetError);
    expect(e.message).toBe('target prod refused the token (HTTP 401)');
    expect(e.details).toMatchObject({ status: 401, hint: 'set CONNECTOROPS_TOKEN to the token the server was started with' });
    expect(JSON.stringify([e.message, e.details, e.stack])).not.toContain(wrong);
  });
});

describe('requests the server refuses', () => {
  it('413 for a body over the limit; a snapshot may be larger', async () => {
    const { running, client, store, logs } = await serve();
    const big = JSON.stringify({ values: ['x'.repeat(BODY_LIMIT)] });
    const r = await raw(running.url, '/v1/fingerprints', { method: 'POST', body: big, headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.text)).toMatchObject({ error: { kind: 'request', message: `the request body is larger than the server accepts (${BODY_LIMIT} bytes)` } });
    await expect(client.fingerprintSecrets(['x'.repeat(BODY_LIMIT)])).rejects.toMatchObject({ name: 'TargetError', details: { status: 413 } });
    // Many secrets, together over the limit: the client sends them in several requests, in order.
    const many = Array.from({ length: 3000 }, (_, i) => `${i}-${'s'.repeat(500)}`);
    const before = logs.length;
    expect(await client.fingerprintSecrets(many)).toEqual(await store.fingerprintSecrets(many));
    expect(logs.slice(before).filter((l) => l.startsWith('POST /v1/fingerprints 200')).length).toBeGreaterThanOrEqual(3);
    // A snapshot over 1 MiB goes through (its limit is 64 MiB).
    const s = state();
    for (let i = 0; i < 4000; i++) s.connector(`c${String(i).padStart(4, '0')}`, { description: 'd'.repeat(200) });
    const snapshot = stateToSnapshot(s.build());
    expect(JSON.stringify(snapshot).length).toBeGreaterThan(BODY_LIMIT);
    await client.importSnapshot(snapshot);
    expect((await store.exportSnapshot()).connectors).toHaveLength(4000);
  });

  it('400 for a body that is not JSON, not the right shape, or missing; the body is never quoted', async () => {
    const { running } = await serve();
    const post = (path: string, body: string) => raw(running.url, path, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const notJson = await post('/v1/fingerprints', `{"values": ["${SECRET}"`);
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.text).error).toMatchObject({ kind: 'request', message: expect.stringMatching(/^the request body is not valid JSON/) });
    const shape = await post('/v1/fingerprints', JSON.stringify({ values: [SECRET, 42], extra: SECRET }));
    expect(shape.status).toBe(400);
    expect(JSON.parse(shape.text).error.message).toMatch(/^the request body is not valid: values\[1\]: .*; \(body\): Unrecognized key/);
    expect((await post('/v1/fingerprints', '')).status).toBe(400);
    const action = await post(
      '/v1/actions',
      JSON.stringify({ action: { op: 'connector.explode', kind: 'Connector', linkName: 'x' }, secrets: { clientSecret: SECRET } }),
    );
    expect(action.status).toBe(400);
    expect(JSON.parse(action.text).error).toMatchObject({ kind: 'target', message: expect.stringMatching(/^malformed action: op: /) });
    const lock = await post('/v1/locks', JSON.stringify({ holder: 'x', host: 'y', pid: -1, operation: 'apply' }));
    expect(lock.status).toBe(400);
    for (const r of [notJson, shape, action]) expect(r.text).not.toContain(SECRET);
  });

  it('404 for an unknown route, 405 (with Allow) for a known one with another method', async () => {
    const { running } = await serve();
    const unknown = await raw(running.url, '/v2/state');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text).error.message).toBe('no such route: GET /v2/state');
    const wrong = await raw(running.url, '/v1/state', { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    const snapshot = await raw(running.url, '/v1/snapshot', { method: 'POST', body: '{}' });
    expect(snapshot.headers.get('allow')).toBe('GET, PUT');
  });
});

describe('secrets (S2)', () => {
  it('never appear in the server’s log or in any answer, even when a bug puts one in an error', async () => {
    const { running, client, logs } = await serve({
      wrap: (store) =>
        around(store, {
          execute: async (...args: Parameters<Target['execute']>) => {
            if (args[0].linkName === 'buggy') throw new Error(`a bug that quotes ${args[1].clientSecret}`);
            return store.execute(...args);
          },
        }),
    });
    const answers: string[] = [];
    const post = async (path: string, body: unknown) => {
      const r = await raw(running.url, path, { method: 'POST', body: JSON.stringify(body) });
      answers.push(r.text);
      return r;
    };
    expect((await post('/v1/fingerprints', { values: [SECRET] })).status).toBe(200);
    const create = act.createConnector('crm', oauth2(), { secrets: secretRefs('clientSecret') });
    expect((await post('/v1/actions', { action: create, secrets: { clientSecret: SECRET }, journal: { runId: 'r', actionId: 'a1' } })).status).toBe(200);
    expect((await post('/v1/actions', { action: create, secrets: { clientSecret: SECRET } })).status).toBe(409);
    expect((await post('/v1/actions', { action: act.createConnector('x'), secrets: { [SECRET]: SECRET } })).status).toBe(400);
    expect((await post('/v1/fingerprints', { values: SECRET })).status).toBe(400);
    // Through the client as well: the error it builds holds no secret either.
    const e = (await client.execute(create, { clientSecret: SECRET }).catch((x: unknown) => x)) as TargetError;
    expect(e.details.rule).toBe('N3');
    const bug = await post('/v1/actions', { action: act.createConnector('buggy'), secrets: { clientSecret: SECRET } });
    expect(bug.status).toBe(500);
    expect(JSON.parse(bug.text)).toEqual({ error: { kind: 'internal', message: 'the server failed on this request; its log has the details' } });
    answers.push(JSON.stringify(await client.exportSnapshot()), JSON.stringify(await client.journal('r')));

    await logged(logs, /internal error/);
    expect(logs.join('\n')).toContain('a bug that quotes (sensitive)');
    for (const text of [...logs, ...answers, e.message, JSON.stringify(e.details)]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(TOKEN);
    }
    // One line per request: method, path, status, duration; no bodies.
    const requestLines = logs.filter((l) => !l.startsWith('internal error'));
    for (const line of requestLines) expect(line).toMatch(/^(GET|POST|PUT|DELETE) \/v1\/[\w/.-]+ \d{3} \d+\.\dms$/);
    expect(requestLines.filter((l) => l.startsWith('POST /v1/actions 500'))).toHaveLength(1);
  });
});

describe('errors that only a network has', () => {
  it('an internal error: 500 without details; the client says the server failed', async () => {
    const { client } = await serve({
      wrap: (store) =>
        around(store, {
          journal: async () => {
            throw new RangeError('boom');
          },
        }),
    });
    const e = (await client.journal('r').catch((x: unknown) => x)) as TargetError;
    expect(e).toBeInstanceOf(TargetError);
    expect(e.message).toMatch(
      /^target http:\/\/127\.0\.0\.1:\d+ failed on GET \/v1\/journal\/r \(HTTP 500\): the server failed on this request; its log has the details$/,
    );
    expect(e.details.status).toBe(500);
  });

  it('an idempotent request is retried on 503 and succeeds; an action never is', async () => {
    let reads = 0;
    let executes = 0;
    const busy = () => new TargetError('target local:x is busy: another process kept it locked for more than 10s', { status: 503 });
    const retries: string[] = [];
    const { client, store } = await serve({
      wrap: (inner) =>
        around(inner, {
          read: async () => {
            if (reads++ === 0) throw busy();
            return inner.read();
          },
          execute: async () => {
            executes++;
            throw busy();
          },
        }),
      client: { onRetry: ({ method, path, attempt }) => void retries.push(`${method} ${path} #${attempt}`) },
    });
    expect((await client.read()).serial).toBe(0);
    expect(retries).toEqual(['GET /v1/state #1']);
    const e = (await client.execute(act.createConnector('crm'), { clientSecret: SECRET }).catch((x: unknown) => x)) as TargetError;
    expect(e).toBeInstanceOf(TargetError);
    expect(e.details.status).toBe(503);
    expect(e.message).toMatch(/is busy/);
    expect(executes).toBe(1);
    expect(retries).toHaveLength(1);
    expect((await store.read()).serial).toBe(0);
  });

  it('the answer to a journaled action is lost: the client asks again, and the server answers from its record without doing it twice', async () => {
    let executed = 0;
    const retries: string[] = [];
    const { client, store } = await serve({
      wrap: (inner, running) =>
        around(inner, {
          execute: async (...args: Parameters<Target['execute']>) => {
            executed++;
            const result = await inner.execute(...args);
            running().server.closeAllConnections(); // committed; the answer never leaves
            return result;
          },
        }),
      client: { retryDelayMs: 1, onRetry: (r) => void retries.push(`${r.what} after attempt ${r.attempt}`) },
    });
    const result = await client.execute(act.createConnector('crm'), { clientSecret: SECRET }, { runId: 'run-1', actionId: 'a1' });
    expect(result).toEqual({ serial: 1, revoked: [] });
    expect(retries).toEqual(["connector.create 'crm' after attempt 1"]);
    expect(executed).toBe(1);
    expect((await store.read()).serial).toBe(1);
    const entries = await client.journal('run-1');
    expect(entries.map((x) => [x.actionId, x.status, x.serial])).toEqual([['a1', 'done', 1]]);
  });

  it('the answer to an action without a journal context is lost: the outcome is unknown, and it is not sent again', async () => {
    const { client, store } = await serve({
      wrap: (inner, running) =>
        around(inner, {
          execute: async (...args: Parameters<Target['execute']>) => {
            const result = await inner.execute(...args);
            running().server.closeAllConnections();
            return result;
          },
        }),
      client: { onRetry: () => expect.unreachable('an action without a journal context is never retried') },
    });
    const e = (await client.execute(act.createConnector('crm'), { clientSecret: SECRET }).catch((x: unknown) => x)) as TargetError;
    expect(e).toBeInstanceOf(TargetError);
    expect(e.message).toMatch(
      /^the outcome of connector\.create 'crm' is unknown: the connection to target http:\/\/127\.0\.0\.1:\d+ failed after the request was sent \(.+\); it may or may not have been carried out$/,
    );
    expect(e.details.hint).toMatch(/journal/);
    expect(JSON.stringify([e.message, e.details])).not.toContain(SECRET);
    expect((await store.read()).serial).toBe(1);
  });

  it('an action that gets no answer in time: the outcome is unknown; the server still finishes it, journal and all', async () => {
    const go = deferred();
    const finished = deferred<number>();
    const { client, store } = await serve({
      wrap: (inner) =>
        around(inner, {
          execute: async (...args: Parameters<Target['execute']>) => {
            await go.promise;
            const result = await inner.execute(...args);
            finished.resolve(result.serial);
            return result;
          },
        }),
      client: { timeoutMs: 50 },
    });
    const e = (await client.execute(act.createConnector('crm'), { clientSecret: SECRET }, { runId: 'run-1', actionId: 'a1' }).catch((x: unknown) => x)) as TargetError;
    expect(e).toBeInstanceOf(TargetError);
    expect(e.message).toMatch(
      /^the outcome of connector\.create 'crm' is unknown: target http:\/\/127\.0\.0\.1:\d+ did not answer within 50ms; it may or may not have been carried out$/,
    );
    expect(e.details.hint).toBe("run apply again: the target's journal says whether it was done, and nothing is carried out twice");
    go.resolve();
    expect(await finished.promise).toBe(1);
    expect((await store.journal('run-1')).map((x) => x.status)).toEqual(['done']);
  });

  it('connection refused: an action says it was not sent (no retry); a read is retried until the server is up', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const attempts: number[] = [];
    const refused = new HttpTarget(url, { token: TOKEN, retryDelayMs: 1, onRetry: ({ attempt }) => void attempts.push(attempt) });
    const e = (await refused.execute(act.createConnector('crm'), { clientSecret: SECRET }).catch((x: unknown) => x)) as TargetError;
    expect(e).toBeInstanceOf(TargetError);
    expect(e.message).toBe(`cannot reach target ${url}: connection refused; connector.create 'crm' was not sent`);
    expect(e.details.hint).toMatch(/connectorops serve/);
    expect(attempts).toEqual([]);

    // The server comes up while the client retries.
    const store = LocalTarget.open(join(tmp.dir, 'late.db'));
    let running: RunningServer | undefined;
    cleanups.push(
      () => store.close(),
      () => running?.close(),
    );
    const client = new HttpTarget(url, {
      token: TOKEN,
      retryDelayMs: 1,
      onRetry: async ({ attempt }) => {
        attempts.push(attempt);
        if (attempt === 2) running = await startServer({ target: store, token: TOKEN, port, log: () => {} });
      },
    });
    expect((await client.read()).serial).toBe(0);
    expect(attempts).toEqual([1, 2]);
  });

  it('an answer cut off halfway: a read is retried, then reported as a failed connection; an action’s outcome is unknown', async () => {
    let hits = 0;
    const cut = createNetServer((socket) => {
      socket.once('data', () => {
        hits++;
        socket.end('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"serial": 1, "dig');
      });
    });
    cut.listen(0, '127.0.0.1');
    await once(cut, 'listening');
    cleanups.push(() => new Promise<void>((r) => cut.close(() => r())));
    const client = new HttpTarget(`http://127.0.0.1:${(cut.address() as AddressInfo).port}`, { token: TOKEN, retries: 2, retryDelayMs: 1, name: 'prod' });
    cleanups.push(() => client.close());
    const e = (await client.read().catch((x: unknown) => x)) as TargetError;
    expect(e).toBeInstanceOf(TargetError);
    expect(e.message).toMatch(/^the connection to target prod failed during GET \/v1\/state \(.+\)$/);
    expect(hits).toBe(3);
    hits = 0;
    const a = (await client.execute(act.createConnector('crm'), { clientSecret: SECRET }).catch((x: unknown) => x)) as TargetError;
    expect(a.message).toMatch(/^the outcome of connector\.create 'crm' is unknown: the connection to target prod failed after the request was sent/);
    expect(hits).toBe(1);
  });

  it('a proxy’s 502 page: a read is retried, then reported with its status; an action goes out once', async () => {
    let hits = 0;
    const proxy: Server = createHttpServer((_req, res) => {
      hits++;
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>Bad Gateway</body></html>');
    });
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    cleanups.push(() => new Promise<void>((r) => proxy.close(() => r())));
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const client = new HttpTarget(url, { token: TOKEN, retries: 2, retryDelayMs: 1, name: 'prod' });
    const e = (await client.read().catch((x: unknown) => x)) as TargetError;
    expect(e).toBeInstanceOf(TargetError);
    expect(e.message).toBe('target prod answered GET /v1/state with HTTP 502 Bad Gateway');
    expect(e.details).toMatchObject({ status: 502, hint: expect.stringMatching(/unavailable/) });
    expect(hits).toBe(3);
    hits = 0;
    await expect(client.execute(act.createConnector('crm'), {})).rejects.toMatchObject({ details: { status: 502 } });
    expect(hits).toBe(1);
  });
});

describe('the lock over HTTP', () => {
  it('LockHeldError names the target as the client named it, for the unlock command, never the server’s', async () => {
    const { running, store } = await serve();
    const held = await store.acquireLock(someoneElse);
    const client = new HttpTarget(running.url, { token: TOKEN, name: 'production' });
    const e = (await client.acquireLock(me).catch((x: unknown) => x)) as LockHeldError;
    expect(e).toBeInstanceOf(LockHeldError);
    expect(e.details.hint).toBe(`wait for that run to finish, or, if it is dead, release the lock with: connectorops unlock ${held.id} --target production`);
    expect(JSON.stringify([e.message, e.details])).not.toContain('/srv/connectorops');
    const byUrl = (await new HttpTarget(running.url, { token: TOKEN }).acquireLock(me).catch((x: unknown) => x)) as LockHeldError;
    expect(byUrl.details.hint).toContain(`connectorops unlock ${held.id} --target ${running.url}`);
  });

  it('a long wait is waited out in several requests, and ends as soon as the lock is free', async () => {
    const { client, store, logs } = await serve({ server: { maxLockWaitMs: 30 } });
    const held = await store.acquireLock(someoneElse);
    const waiting = client.acquireLock(me, { timeoutMs: 60_000 });
    await logged(logs, /^POST \/v1\/locks 423 /, 2);
    await store.releaseLock(held.id);
    const got = await waiting;
    expect(got).toMatchObject(me);
    expect((await store.currentLock())?.id).toBe(got.id);
  });

  it('a wait longer than any request may ask for (apply --lock-timeout 1e300) is waited out too', async () => {
    // It was refused at once: "refused POST /v1/locks (HTTP 400): the request body is not valid:
    // timeoutMs: Too big", since the client asked the server for the whole wait in one request.
    const { client, store, logs } = await serve({ server: { maxLockWaitMs: 30 } });
    const held = await store.acquireLock(someoneElse);
    const waiting = client.acquireLock(me, { timeoutMs: 1e303 }).catch((x: unknown) => x);
    await logged(logs, /^POST \/v1\/locks /);
    await store.releaseLock(held.id);
    expect(await waiting).toMatchObject(me);
  });

  it('gives up after its timeout, saying how long it waited in all', async () => {
    const { client, store, logs } = await serve({ server: { maxLockWaitMs: 30 } });
    await store.acquireLock(someoneElse);
    const e = (await client.acquireLock(me, { timeoutMs: 100 }).catch((x: unknown) => x)) as LockHeldError;
    expect(e).toBeInstanceOf(LockHeldError);
    expect(e.message).toMatch(/^target http:\/\/127\.0\.0\.1:\d+ is locked by ci@runner-7 \(pid 4242\) since .*; waited \d+\.\ds$/);
    expect(logs.filter((l) => /^POST \/v1\/locks 423 /.test(l)).length).toBeGreaterThanOrEqual(2);
  });

  it('a lock that frees up just as its waiting client went away is released, never left held', async () => {
    let held!: string;
    const released = deferred<string>();
    let calls = 0;
    const sockets = new Set<Socket>();
    const { client, store, logs, running } = await serve({
      wrap: (inner, running) =>
        around(inner, {
          acquireLock: async (...args: Parameters<Target['acquireLock']>) => {
            if (calls++ === 1) {
              // The client is gone (and the server has seen its connection close)…
              const closed = [...sockets].map((socket) => once(socket, 'close'));
              running().server.closeAllConnections();
              await Promise.all(closed);
              await new Promise((r) => setImmediate(r));
              await inner.forceUnlock(held); // …and the lock frees up at that very moment
            }
            return inner.acquireLock(...args);
          },
          releaseLock: async (id: string) => {
            await inner.releaseLock(id);
            released.resolve(id);
          },
        }),
      // No retry: what is under test is the server's side (a retry would take the lock afresh).
      client: { retries: 0 },
    });
    running.server.on('connection', (socket: Socket) => sockets.add(socket));
    held = (await store.acquireLock(someoneElse)).id;
    const e = await client.acquireLock(me, { timeoutMs: 60_000 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TargetError);
    const id = await released.promise;
    expect(id).not.toBe(held);
    expect(await store.currentLock()).toBeNull();
    await logged(logs, /^POST \/v1\/locks - \(the client went away\) /);
  });
});

describe('shutdown', () => {
  it('close() ends a lock wait in progress and lets the server stop; the client is told the lock is held, then cannot reach it', async () => {
    const { client, store, running, logs } = await serve({ client: { retries: 0 } });
    await store.acquireLock(someoneElse);
    const waiting = client.acquireLock(me, { timeoutMs: 120_000 }).catch((x: unknown) => x);
    await new Promise<void>((r) => running.server.once('request', () => r()));
    await running.close();
    const e = (await waiting) as TargetError;
    expect(e).toBeInstanceOf(TargetError);
    expect(e.message).toMatch(/^cannot reach target .*: connection refused$/);
    expect(logs.some((l) => /^POST \/v1\/locks 423 /.test(l))).toBe(true);
  });
});

describe('connections', () => {
  it('actions reuse kept-alive connections: 100 actions, 4 at a time, open a few connections, not one per action', async () => {
    const { running, client } = await serve();
    let opened = 0;
    running.server.on('connection', () => opened++);
    await client.execute(act.createConnector('crm', oauth2()), { clientSecret: SECRET }, { runId: 'r-keep', actionId: 'c' });
    await client.execute(act.markReady('crm'), {}, { runId: 'r-keep', actionId: 'r' });
    for (let batch = 0; batch < 25; batch++) {
      await Promise.all([0, 1, 2, 3].map((i) => client.execute(act.createConnection(`crm_${batch}_${i}`, 'crm'), {}, { runId: 'r-keep', actionId: `x${batch}.${i}` })));
    }
    expect((await client.read()).state.connections.size).toBe(100);
    // The client's agent keeps a connection per request in flight (here one batch at a time), and
    // opens one more now and then when a request goes out while an answer is still being read: a
    // handful in all, never one per action.
    expect(opened).toBeGreaterThan(0);
    expect(opened).toBeLessThanOrEqual(16);
  });
});

describe('actions in flight at once: one batch request, when streams are off (issue 25)', () => {
  const j = (actionId: string) => ({ runId: 'r-batch', actionId });

  it('go out as one POST /v1/actions/batch; each is answered on its own, a refusal with its own error class and rule', async () => {
    const { client, store, logs } = await serve({ client: { stream: false } });
    const out = await Promise.allSettled([
      client.execute(act.createConnector('crm', oauth2()), { clientSecret: SECRET }, j('a')),
      client.execute(act.createConnection('orphan', 'nowhere'), {}, j('b')),
      client.execute(act.createConnector('erp', oauth2()), { clientSecret: SECRET }, j('c')),
    ]);
    expect(out.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(out[0]).toEqual({ status: 'fulfilled', value: { serial: 1, revoked: [] } });
    expect(out[2]).toEqual({ status: 'fulfilled', value: { serial: 2, revoked: [] } });
    const refused = (out[1] as PromiseRejectedResult).reason as TargetError;
    const alone = (await store.execute(act.createConnection('orphan', 'nowhere')).catch((x: unknown) => x)) as TargetError;
    expect(refused).toBeInstanceOf(TargetError);
    expect(refused.message).toBe(alone.message);
    expect(refused.details.rule).toBe(alone.details.rule);
    expect((await store.journal('r-batch')).map((e) => [e.actionId, e.status])).toEqual([
      ['a', 'done'],
      ['b', 'failed'],
      ['c', 'done'],
    ]);
    await logged(logs, /^POST \/v1\/actions\/batch 200 /);
    expect(logs.filter((l) => l.startsWith('POST /v1/actions'))).toHaveLength(1);
    for (const text of logs) expect(text).not.toContain(SECRET);
  });

  it("is committed by the target's executeBatch, in one call for the actions not answered yet: a key twice in one batch is carried out once, a key already answered is answered from the record", async () => {
    const calls: string[][] = [];
    const { running, store } = await serve({
      client: { stream: false },
      wrap: (inner) =>
        around(inner, {
          executeBatch: async (...args: Parameters<NonNullable<Target['executeBatch']>>) => {
            calls.push(args[0].map((a) => a.journal.actionId));
            return inner.executeBatch(...args);
          },
        }),
    });
    const request = (actionId: string, linkName: string) => ({ action: act.createConnector(linkName), secrets: {}, journal: j(actionId) });
    const post = (actions: unknown[]) =>
      raw(running.url, '/v1/actions/batch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ actions }) });
    const first = await post([request('a', 'crm'), request('b', 'erp'), request('a', 'crm')]);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text)).toEqual({
      results: [
        { ok: true, serial: 1, revoked: [], replayed: false },
        { ok: true, serial: 2, revoked: [], replayed: false },
        { ok: true, serial: 1, revoked: [], replayed: true },
      ],
    });
    const second = await post([
      request('b', 'erp'),
      request('c', 'hr'),
      { ...request('d', 'ops'), action: { op: 'connector.create', kind: 'Connector', linkName: 'ops' } },
    ]);
    expect(JSON.parse(second.text).results.slice(0, 2)).toEqual([
      { ok: true, serial: 2, revoked: [], replayed: true },
      { ok: true, serial: 3, revoked: [], replayed: false },
    ]);
    // A malformed action is refused on its own (400), before the target sees it.
    expect(JSON.parse(second.text).results[2]).toMatchObject({ ok: false, status: 400, error: { kind: 'target' } });
    // The key of an action already answered, with another action: refused, not carried out.
    const third = await post([request('a', 'hr2')]);
    expect(JSON.parse(third.text).results[0]).toMatchObject({ ok: false, status: 409, error: { message: expect.stringMatching(/already sent with another action/) } });
    expect(calls).toEqual([['a', 'b'], ['c']]);
    expect((await store.read()).serial).toBe(3);
  });

  it('a bug in one action of a batch: 500 for that one alone, its details in the log with every secret of the batch redacted', async () => {
    const { client, logs } = await serve({
      client: { stream: false },
      wrap: (store) =>
        around(store, {
          execute: async (...args: Parameters<Target['execute']>) => {
            if (args[0].linkName === 'buggy') throw new Error(`a bug that quotes ${args[1].clientSecret}`);
            return store.execute(...args);
          },
        }),
    });
    const out = await Promise.allSettled([
      client.execute(act.createConnector('crm'), { clientSecret: 'another-secret-value-42' }, j('a')),
      client.execute(act.createConnector('buggy'), { clientSecret: SECRET }, j('b')),
    ]);
    expect(out[0]).toEqual({ status: 'fulfilled', value: { serial: 1, revoked: [] } });
    const e = (out[1] as PromiseRejectedResult).reason as TargetError;
    expect(e.message).toMatch(/failed on POST \/v1\/actions \(HTTP 500\): the server failed on this request; its log has the details$/);
    await logged(logs, /internal error/);
    expect(logs.join('\n')).toContain('a bug that quotes (sensitive)');
    for (const text of [...logs, e.message]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(TOKEN);
    }
  });

  it('the answer to a batch is lost: it is sent again, and the server answers each action from its record without doing any twice', async () => {
    let executed = 0;
    let dropped = false;
    const { client, store } = await serve({
      client: { stream: false },
      wrap: (inner, running) =>
        around(inner, {
          execute: async (...args: Parameters<Target['execute']>) => {
            executed++;
            const result = await inner.execute(...args);
            if (!dropped && executed === 2) {
              dropped = true;
              running().server.closeAllConnections(); // both committed; the answer never leaves
            }
            return result;
          },
        }),
    });
    const results = await Promise.all([client.execute(act.createConnector('crm'), {}, j('a')), client.execute(act.createConnector('erp'), {}, j('b'))]);
    expect(results).toEqual([
      { serial: 1, revoked: [] },
      { serial: 2, revoked: [] },
    ]);
    expect(executed).toBe(2);
    expect((await store.read()).serial).toBe(2);
  });

  it('a server without the batch route (an older serve): each action goes alone, then and from then on', async () => {
    const { client, store, logs } = await serve({ client: { stream: false } });
    const { old, proxied } = await olderServer(client, '/v1/actions/batch', { stream: false });
    const first = await Promise.all([old.execute(act.createConnector('crm'), {}, j('a')), old.execute(act.createConnector('erp'), {}, j('b'))]);
    expect(first.map((r) => r.serial).sort()).toEqual([1, 2]);
    const second = await Promise.all([old.execute(act.createConnector('hr'), {}, j('c')), old.execute(act.createConnector('ops'), {}, j('d'))]);
    expect(second.map((r) => r.serial).sort()).toEqual([3, 4]);
    expect(proxied.filter((p) => p === 'POST /v1/actions/batch')).toHaveLength(1);
    expect(proxied.filter((p) => p === 'POST /v1/actions')).toHaveLength(4);
    expect((await store.read()).serial).toBe(4);
    expect(logs.some((l) => l.startsWith('POST /v1/actions/batch'))).toBe(false);
  });
});

/**
 * An older server in front of `client`'s: the same routes but `missing`, which it answers 404 like
 * any unknown route. A client of it (`options` added), and the requests it saw.
 */
async function olderServer(client: HttpTarget, missing: string, options: Partial<HttpTargetOptions> = {}): Promise<{ old: HttpTarget; proxied: string[] }> {
  const proxied: string[] = [];
  const proxy: Server = createHttpServer((req, res) => {
    proxied.push(`${req.method} ${req.url}`);
    if (req.url === missing) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { kind: 'request', message: `no such route: POST ${missing}` } }));
      return;
    }
    const upstream = new URL(client.url);
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forward);
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  cleanups.push(() => new Promise<void>((r) => proxy.close(() => r())));
  const old = new HttpTarget(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, { token: TOKEN, retryDelayMs: 1, ...options });
  cleanups.push(() => old.close());
  return { old, proxied };
}

/**
 * `POST /v1/actions/stream` by hand: `lines` written, then the body ended; the answer's lines as
 * they came. `corked`: the lines go out as chunks of one write to the socket, so that the server
 * reads them together (one read, a 'data' event each).
 */
async function rawStream(url: string, lines: string[], token = TOKEN, corked = false): Promise<{ status: number; answers: Array<Record<string, unknown>> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(url + '/v1/actions/stream'),
      { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            answers: text
              .split('\n')
              .filter((l) => l !== '')
              .map((l) => JSON.parse(l) as Record<string, unknown>),
          }),
        );
      },
    );
    // The server may end the stream before reading all of it (a line it cannot read): what it answered is what counts.
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
    if (corked) req.on('socket', (socket) => socket.cork());
    for (const l of lines) req.write(l + '\n');
    req.end();
    if (corked) req.on('socket', (socket) => process.nextTick(() => socket.uncork()));
  });
}

describe('actions on a stream: POST /v1/actions/stream (issue 25)', () => {
  const j = (actionId: string) => ({ runId: 'r-stream', actionId });
  const line = (id: number, actionId: string, action: unknown, secrets: Record<string, string> = {}) => JSON.stringify({ id, action, secrets, journal: j(actionId) });

  it('journaled actions go out on one stream; each is answered on its own, a refusal with its own error class and rule, as alone', async () => {
    const { client, store, logs } = await serve();
    const out = await Promise.allSettled([
      client.execute(act.createConnector('crm', oauth2()), { clientSecret: SECRET }, j('a')),
      client.execute(act.createConnection('orphan', 'nowhere'), {}, j('b')),
      client.execute(act.createConnector('erp', oauth2()), { clientSecret: SECRET }, j('c')),
    ]);
    // And one more once those are answered: the same stream.
    const later = await client.execute(act.markReady('crm'), {}, j('d'));
    expect(out.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(out[0]).toEqual({ status: 'fulfilled', value: { serial: 1, revoked: [] } });
    expect(out[2]).toEqual({ status: 'fulfilled', value: { serial: 2, revoked: [] } });
    expect(later).toEqual({ serial: 3, revoked: [] });
    const refused = (out[1] as PromiseRejectedResult).reason as TargetError;
    const alone = (await store.execute(act.createConnection('orphan', 'nowhere')).catch((x: unknown) => x)) as TargetError;
    expect(refused).toBeInstanceOf(TargetError);
    expect(refused.message).toBe(alone.message);
    expect(refused.details).toMatchObject({ rule: alone.details.rule, status: 409 });
    expect((await store.journal('r-stream')).map((e) => [e.actionId, e.status])).toEqual([
      ['a', 'done'],
      ['b', 'failed'],
      ['c', 'done'],
      ['d', 'done'],
    ]);
    // The stream is logged once, when it ends: closing the client ends it.
    await client.close();
    await logged(logs, /^POST \/v1\/actions\/stream 200 /);
    expect(logs.filter((l) => l.startsWith('POST /v1/actions'))).toHaveLength(1);
    for (const text of logs) expect(text).not.toContain(SECRET);
  });

  it('the wire: answers keyed by id; a malformed line is refused alone; a repeat is answered from the record; a line that is not JSON ends the stream, and nothing after it is carried out', async () => {
    const { running, store } = await serve();
    const first = await rawStream(running.url, [
      line(7, 'a', act.createConnector('crm')),
      line(8, 'b', { op: 'connector.create', kind: 'Connector', linkName: 'bad' }),
      JSON.stringify({ id: 9, action: act.createConnector('hr'), secrets: {} }), // no journal context
      line(10, 'a', act.createConnector('crm')),
    ]);
    expect(first.status).toBe(200);
    const byId = new Map(first.answers.map((a) => [a.id, a]));
    expect(first.answers).toHaveLength(4);
    expect(byId.get(7)).toEqual({ id: 7, ok: true, serial: 1, revoked: [], replayed: false });
    expect(byId.get(8)).toMatchObject({ ok: false, status: 400, error: { kind: 'target' } });
    expect(byId.get(9)).toMatchObject({ ok: false, status: 400, error: { kind: 'request', message: expect.stringMatching(/journal/) } });
    expect(byId.get(10)).toEqual({ id: 10, ok: true, serial: 1, revoked: [], replayed: true });

    const second = await rawStream(running.url, [line(1, 'c', act.createConnector('erp')), '{"id": 2, "action":', line(3, 'd', act.createConnector('ops'))]);
    expect(second.answers).toEqual([
      { id: 1, ok: true, serial: 2, revoked: [], replayed: false },
      { status: 400, error: { kind: 'request', message: 'line 2 of the stream is not valid JSON; the stream ends here, and no line after it was carried out' } },
    ]);
    expect((await store.read()).serial).toBe(2);
    // The malformed action was refused before the target saw it (as in a batch): never journaled.
    expect((await store.journal('r-stream')).map((e) => e.actionId)).toEqual(['a', 'c']);
  });

  it('lines read together go into one executeBatch: one commit, and one write of their answers', async () => {
    const groups: number[] = [];
    const { running, store } = await serve({
      wrap: (inner) =>
        around(inner, {
          executeBatch: (actions: Parameters<NonNullable<Target['executeBatch']>>[0]) => {
            groups.push(actions.length);
            return inner.executeBatch(actions);
          },
        }),
    });
    const { answers } = await rawStream(
      running.url,
      [
        line(1, 'a', act.createConnector('crm')),
        line(2, 'b', act.createConnector('erp')),
        line(3, 'c', act.createConnector('hr')),
        line(4, 'd', act.createConnector('ops')),
      ],
      TOKEN,
      true,
    );
    expect(answers.map((a) => [a.id, a.ok])).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [4, true],
    ]);
    expect(groups).toEqual([4]);
    expect((await store.read()).serial).toBe(4);
  });

  it('a line over the body limit ends the stream with 413, saying which line; the lines before it are carried out', async () => {
    const { running, store } = await serve();
    const huge = line(2, 'b', { ...act.createConnector('big'), padding: 'x'.repeat(BODY_LIMIT) });
    const out = await rawStream(running.url, [line(1, 'a', act.createConnector('crm')), huge, line(3, 'c', act.createConnector('erp'))]);
    expect(out.answers).toEqual([
      { id: 1, ok: true, serial: 1, revoked: [], replayed: false },
      {
        status: 413,
        error: {
          kind: 'request',
          message: `line 2 of the stream is longer than the server accepts (${BODY_LIMIT} bytes); the stream ends here, and no line after it was carried out`,
        },
      },
    ]);
    expect((await store.read()).serial).toBe(1);
  });

  it('needs the token, checked before any line is read: without it 401, and nothing is carried out', async () => {
    const { running, store } = await serve();
    const out = await rawStream(running.url, [line(1, 'a', act.createConnector('crm'))], 'not-the-token-0123456789');
    expect(out.status).toBe(401);
    expect((await store.read()).serial).toBe(0);
  });

  it('the stream breaks after the server committed: the actions not answered are sent again, each carried out once, and a retry is told for each', async () => {
    const carried: string[] = [];
    let broken = false;
    const { client, store } = await serve({
      client: {
        onRetry: (r) => {
          retries.push(`${r.path} ${r.what}`);
        },
      },
      wrap: (inner, running) =>
        around(inner, {
          executeBatch: async (...args: Parameters<NonNullable<Target['executeBatch']>>) => {
            const out = await inner.executeBatch(...args);
            carried.push(...args[0].map((a) => a.journal.actionId));
            if (!broken && carried.includes('b')) {
              broken = true;
              running().server.closeAllConnections(); // committed; its answers never leave
            }
            return out;
          },
        }),
    });
    const retries: string[] = [];
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((id, i) => client.execute(act.createConnector(`c${i}`), {}, j(id))));
    expect(results.map((r) => r.serial).sort()).toEqual([1, 2, 3, 4]);
    // Each was carried out once: the re-sent ones were answered from the record (or carried out then, if never started).
    expect([...carried].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.every((r) => /^\/v1\/actions\/stream connector\.create 'c\d'$/.test(r))).toBe(true);
    expect((await store.read()).serial).toBe(4);
    expect((await store.journal('r-stream')).filter((e) => e.status === 'done')).toHaveLength(4);
  });

  it('the server closes while a stream is open: it reads no more lines, ends the stream whole, and stops', async () => {
    const { client, running, logs } = await serve({ client: { retries: 0 } });
    expect(await Promise.all([client.execute(act.createConnector('crm'), {}, j('a')), client.execute(act.createConnector('erp'), {}, j('b'))])).toEqual([
      { serial: 1, revoked: [] },
      { serial: 2, revoked: [] },
    ]);
    await running.close();
    // Ended by the server, answered whole: not dropped as a client that went away would be.
    await logged(logs, /^POST \/v1\/actions\/stream /);
    expect(logs.filter((l) => l.startsWith('POST /v1/actions/stream'))).toEqual([expect.stringMatching(/^POST \/v1\/actions\/stream 200 /)]);
    // The next action finds no server: a new stream is refused, and the action alone says it was not sent.
    await expect(client.execute(act.createConnector('hr'), {}, j('c'))).rejects.toThrow(/connection refused; connector\.create 'hr' was not sent/);
  });

  it('closing the target with actions in flight on a stream: each fails at once, saying so, with no retry told', async () => {
    const go = deferred();
    const retries: string[] = [];
    const { client, store } = await serve({
      client: { onRetry: (r) => void retries.push(`${r.path} ${r.what}`) },
      wrap: (inner) =>
        around(inner, {
          executeBatch: async (...args: Parameters<NonNullable<Target['executeBatch']>>) => {
            await go.promise;
            return inner.executeBatch(...args);
          },
        }),
    });
    const pending = [client.execute(act.createConnector('crm'), {}, j('a')), client.execute(act.createConnector('erp'), {}, j('b'))].map((p) =>
      p.catch((x: unknown) => x as TargetError),
    );
    await client.close();
    const errors = (await Promise.all(pending)) as TargetError[];
    go.resolve();
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^target http:\/\/127\.0\.0\.1:\d+ is closed: connector\.create 'crm' was sent and not answered; it may or may not have been carried out$/),
      expect.stringMatching(/^target http:\/\/127\.0\.0\.1:\d+ is closed: connector\.create 'erp' was sent and not answered; it may or may not have been carried out$/),
    ]);
    expect(errors.every((e) => e instanceof TargetError)).toBe(true);
    expect(retries).toEqual([]);
    await store.read();
  });

  it('an action whose line is over the limit in bytes (not in characters) goes alone: the 413 is its own, and the stream carries on', async () => {
    const retries: string[] = [];
    const { client, store } = await serve({ client: { onRetry: (r) => void retries.push(`${r.path} ${r.what}`) } });
    // 3 bytes a character in UTF-8: under half the limit in characters, over the limit in bytes.
    const wide = '€'.repeat(Math.floor(BODY_LIMIT / 2) - 1_000);
    const [big, small] = await Promise.allSettled([
      client.execute(act.createConnector('big', oauth2()), { clientSecret: wide }, j('a')),
      client.execute(act.createConnector('crm'), {}, j('b')),
    ]);
    expect(small).toEqual({ status: 'fulfilled', value: { serial: 1, revoked: [] } });
    const e = (big as PromiseRejectedResult).reason as TargetError;
    expect(e).toBeInstanceOf(TargetError);
    expect(e.message).toMatch(/refused POST \/v1\/actions \(HTTP 413\): the request body is larger than the server accepts/);
    expect(e.message).not.toContain('€€');
    expect(retries).toEqual([]);
    expect((await store.read()).serial).toBe(1);
  });

  it('a client that writes lines and never reads the answers: the server stops reading its lines, rather than hold the answers without bound', async () => {
    const { running } = await serve();
    const served = new Promise<{ req: IncomingMessage; res: ServerResponse }>((resolve) =>
      running.server.prependListener('request', (req, res) => resolve({ req, res })),
    );
    const client = httpRequest(new URL(running.url + '/v1/actions/stream'), {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-ndjson' },
    });
    client.on('error', () => undefined);
    client.flushHeaders();
    cleanups.push(() => void client.destroy());
    // Lines with an id that fail the schema: each refused at once, its answer as long as the line (the unknown key is named).
    const refused = (id: number) => JSON.stringify({ id, [`k${'x'.repeat(16 * 1024)}`]: 0 }) + '\n';
    const { req, res } = await served;
    const paused = once(req, 'pause').then(() => 'paused' as const);
    // 64 MiB of lines: far more than the sockets' buffers hold. A server that reads them all has read them before the client is done writing.
    const written = (async () => {
      for (let id = 0; id < 4096; id++) if (!client.write(refused(id))) await once(client, 'drain');
      return 'all read' as const;
    })();
    expect(await Promise.race([paused, written])).toBe('paused');
    expect(res.writableLength).toBeLessThan(1024 * 1024);
  });

  it('a server without the stream route (an older serve): the actions go in batches, then and from then on', async () => {
    const { client, store } = await serve();
    const { old, proxied } = await olderServer(client, '/v1/actions/stream');
    const first = await Promise.all([old.execute(act.createConnector('crm'), {}, j('a')), old.execute(act.createConnector('erp'), {}, j('b'))]);
    expect(first.map((r) => r.serial).sort()).toEqual([1, 2]);
    const second = await Promise.all([old.execute(act.createConnector('hr'), {}, j('c')), old.execute(act.createConnector('ops'), {}, j('d'))]);
    expect(second.map((r) => r.serial).sort()).toEqual([3, 4]);
    expect(proxied.filter((p) => p === 'POST /v1/actions/stream')).toHaveLength(1);
    expect(proxied.filter((p) => p === 'POST /v1/actions/batch')).toHaveLength(2);
    expect((await store.read()).serial).toBe(4);
  });
});
