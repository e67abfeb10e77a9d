/**
 * The HTTP target's client against a server that answers what it likes (a broken proxy, another
 * program on the port, a hostile server), and the server against a client that sends what it
 * likes: each is refused in words, never a crash of the process or an internal error. Real HTTP
 * on 127.0.0.1: a small server of the test's own, or the real server over a real local target.
 * (The slow tier: the main thread's stack, where zod's overflow showed.)
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TargetError } from '../../../src/errors.js';
import { HttpTarget, type RetryEvent } from '../../../src/targets/http/client.js';
import { startServer } from '../../../src/targets/http/server.js';
import { act, openLocal, tempDir } from '../../support/target.js';

const TOKEN = 'hostile-server-token-0123456789ab';
/** More wrong entries than zod could gather on the stack (it overflowed at ~150,000). */
const MANY = 300_000;

let tmp: ReturnType<typeof tempDir>;
const cleanups: Array<() => Promise<void> | void> = [];
beforeEach(() => {
  tmp = tempDir('connectorops-hostile-');
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  tmp.cleanup();
});

/** A server of the test's own on 127.0.0.1 that answers with `handle`, and a client of it. */
async function hostile(handle: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<{ client: HttpTarget; retries: RetryEvent[] }> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    // A stream's body goes on while its answer is written: it is answered at its first line.
    if (req.url === '/v1/actions/stream') req.once('data', () => handle(req, body, res));
    else req.on('end', () => handle(req, body, res));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const retries: RetryEvent[] = [];
  const client = new HttpTarget(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, {
    token: TOKEN,
    name: 'prod',
    retries: 1,
    retryDelayMs: 1,
    onRetry: (r) => void retries.push(r),
  });
  cleanups.push(
    () => new Promise<void>((r) => server.close(() => r())),
    () => server.closeAllConnections(),
    () => client.close(),
  );
  return { client, retries };
}

const json = (res: ServerResponse, status: number, body: string) => res.writeHead(status, { 'content-type': 'application/json' }).end(body);

describe('answers with many thousands of wrong entries (zod overflowed the stack on them)', () => {
  it('a snapshot of them: a TargetError that says so, not a RangeError', async () => {
    const { client } = await hostile((_req, _body, res) => json(res, 200, JSON.stringify({ formatVersion: 2, connectors: new Array(MANY).fill(1), connections: [] })));
    const error = await client.exportSnapshot().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetError);
    expect((error as TargetError).message).toBe(
      'target prod answered GET /v1/snapshot with an unexpected body: (body): too many problems to list (many thousands of entries are wrong)',
    );
  });

  it('a stream answer line of them: the stream is dropped and the action goes again alone (the process crashed)', async () => {
    const { client, retries } = await hostile((req, _body, res) => {
      if (req.url === '/v1/actions/stream') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        return void res.end(`${JSON.stringify({ id: 0, ok: true, serial: 1, revoked: new Array(MANY).fill(1) })}\n`);
      }
      if (req.url === '/v1/actions') return void json(res, 200, JSON.stringify({ serial: 1, revoked: [], replayed: true }));
      json(res, 404, '{}');
    });
    const result = await client.execute(act.createConnector('crm'), {}, { runId: 'r-1', actionId: 'a1' });
    expect(result).toEqual({ serial: 1, revoked: [] });
    expect(retries.map((r) => `${r.path} ${r.what} ${r.error.message}`)).toEqual([
      "/v1/actions/stream connector.create 'crm' the outcome of connector.create 'crm' is unknown: the connection to target prod failed after the request was sent (an answer line of the stream is not one of ours: (body): too many problems to list (many thousands of entries are wrong)); it may or may not have been carried out",
    ]);
  });
});

describe('requests with many thousands of wrong entries', () => {
  it('PUT /v1/snapshot: 400 that says so, not a 500; the target is unchanged', async () => {
    const store = await openLocal(tmp.dir);
    const running = await startServer({ target: store, token: TOKEN, port: 0, log: () => {} });
    cleanups.push(
      () => store.close(),
      () => running.close(),
    );
    const before = await store.read();
    const answer = await fetch(`${running.url}/v1/snapshot?force=1`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ formatVersion: 2, connectors: new Array(MANY).fill(1), connections: [] }),
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({
      error: {
        kind: 'user',
        message: 'the snapshot is not valid; nothing was imported:\n  - (top level): too many problems to list (many thousands of entries are wrong)',
      },
    });
    expect((await store.read()).serial).toBe(before.serial);
  });
});

describe('answers without end (Node cannot hold more than 512 MB as a string: the client crashed)', () => {
  /** Writes `head`, then spaces, until the client goes away or 600 MB went out (then ends). */
  function endless(res: ServerResponse, head: string, type: string): void {
    res.writeHead(200, { 'content-type': type });
    res.write(head);
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    let sent = 0;
    const more = (): void => {
      while (!res.destroyed && sent < 600) {
        sent++;
        if (!res.write(chunk)) return void res.once('drain', more);
      }
      if (!res.destroyed) res.end();
    };
    res.on('close', () => (sent = 600));
    more();
  }

  it('a read: a TargetError naming the limit, and no second try (it would read as much again)', async () => {
    let asked = 0;
    const { client, retries } = await hostile((_req, _body, res) => {
      asked++;
      endless(res, '{"formatVersion": 2', 'application/json');
    });
    const error = await client.exportSnapshot().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetError);
    expect((error as TargetError).message).toBe('target prod answered GET /v1/snapshot with more than 256 MiB; it was not read');
    expect(asked).toBe(1);
    expect(retries).toEqual([]);
  });

  it('a stream answer line: the stream is dropped and the action goes again alone', async () => {
    const { client, retries } = await hostile((req, _body, res) => {
      if (req.url === '/v1/actions/stream') return endless(res, '{"id": 0', 'application/x-ndjson');
      if (req.url === '/v1/actions') return void json(res, 200, JSON.stringify({ serial: 1, revoked: [], replayed: true }));
      json(res, 404, '{}');
    });
    const result = await client.execute(act.createConnector('crm'), {}, { runId: 'r-1', actionId: 'a1' });
    expect(result).toEqual({ serial: 1, revoked: [] });
    expect(retries.map((r) => `${r.path} ${r.error.message}`)).toEqual([
      "/v1/actions/stream the outcome of connector.create 'crm' is unknown: the connection to target prod failed after the request was sent (an answer over 256 MiB, not read to its end); it may or may not have been carried out",
    ]);
  });
});
