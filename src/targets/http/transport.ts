/**
 * One HTTP exchange for `HttpTarget` (client.ts), over node:http(s) with a keep-alive agent of its
 * own: a request and its whole answer, as text.
 *
 * Why not `fetch`: on Node 20 its undici stack (WHATWG streams, a Request and a Response object,
 * an AbortSignal per request) cost the client about 2.5 ms of CPU per action (issue 25, CPU
 * profile of `apply` over HTTP), several times what the local target spends carrying the action
 * out. node:http with a keep-alive agent does the same exchange for a fraction of that.
 *
 * What this keeps of fetch's behaviour, which the client relies on:
 * - connections are kept alive and reused (the agent: no handshake per action), and idle ones
 *   neither hold the process open nor outlive the server's keep-alive timeout (Node's agent reads
 *   the server's `Keep-Alive: timeout=` hint);
 * - redirects are never followed (node:http never does);
 * - a failure carries the system's code (`ECONNREFUSED`, `ERR_SSL_WRONG_VERSION_NUMBER`…) on
 *   `code`, and a request over its time is a `TimeoutError`; a connection not made within
 *   CONNECT_TIMEOUT_MS fails with CONNECT_TIMEOUT, before anything was sent (as undici's did).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';

/** The code of a connection that was not made within CONNECT_TIMEOUT_MS: nothing was sent. */
export const CONNECT_TIMEOUT = 'UND_ERR_CONNECT_TIMEOUT';
/** As undici's (fetch's) connect timeout. */
const CONNECT_TIMEOUT_MS = 10_000;

export interface Exchange {
  method: string;
  url: URL;
  headers: OutgoingHttpHeaders;
  body?: string;
  timeoutMs: number;
}

export interface Answer {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  text: string;
}

/** Keep-alive connections to one origin (http or https), and the exchanges over them. */
export class Transport {
  readonly #agent: HttpAgent;
  readonly #request: typeof httpRequest;

  constructor(protocol: string) {
    const https = protocol === 'https:';
    this.#agent = https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    this.#request = https ? httpsRequest : httpRequest;
  }

  /** The answer, read whole; rejects with the request's error (its `code` kept), or a TimeoutError. */
  send(exchange: Exchange): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      const headers = { ...exchange.headers };
      if (exchange.body !== undefined) headers['content-length'] = Buffer.byteLength(exchange.body);
      const req = this.#request(exchange.url, { method: exchange.method, headers, agent: this.#agent });
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(error);
      };
      const timer = setTimeout(() => fail(timeoutError(exchange.timeoutMs)), exchange.timeoutMs);
      req.on('error', (error) => fail(withTlsCode(error)));
      req.on('socket', (socket: Socket) => {
        if (!socket.connecting) return;
        const connectTimer = setTimeout(() => fail(connectTimeoutError()), CONNECT_TIMEOUT_MS);
        socket.once('connect', () => clearTimeout(connectTimer));
        socket.once('close', () => clearTimeout(connectTimer));
      });
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', fail);
        // The connection broke before the whole answer came: as much a network failure as any.
        res.on('close', () => {
          if (!res.complete) fail(Object.assign(new Error('the connection closed before the whole answer arrived'), { code: 'ECONNRESET' }));
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.end(exchange.body);
    });
  }

  /** Closes the kept-alive connections; requests in flight fail. */
  close(): void {
    this.#agent.destroy();
  }
}

/**
 * node:https reports a TLS handshake that went wrong while the request was being written as
 * `write EPROTO …:SSL routines:ssl3_get_record:wrong version number:…`: OpenSSL's reason becomes
 * the code (`ERR_SSL_WRONG_VERSION_NUMBER`), as it is when the handshake fails on its own, and as
 * undici (fetch) reported it.
 */
function withTlsCode(error: Error): Error {
  const own = error as Error & { code?: unknown };
  if (own.code !== 'EPROTO') return error;
  const reason = /SSL routines:[^:]*:([^:]+):/.exec(error.message)?.[1];
  if (reason)
    own.code = `ERR_SSL_${reason
      .trim()
      .toUpperCase()
      .replace(/[^A-Z0-9]+/g, '_')}`;
  return error;
}

function timeoutError(ms: number): Error {
  const error = new Error(`no answer within ${ms} ms`);
  error.name = 'TimeoutError';
  return error;
}

function connectTimeoutError(): Error {
  return Object.assign(new Error('the connection could not be made in time'), { code: CONNECT_TIMEOUT });
}
