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
import { ANSWER_LIMIT } from './protocol.js';

/** The code of a connection that was not made within CONNECT_TIMEOUT_MS: nothing was sent. */
export const CONNECT_TIMEOUT = 'UND_ERR_CONNECT_TIMEOUT';
/** As undici's (fetch's) connect timeout. */
const CONNECT_TIMEOUT_MS = 10_000;
/** The code of an answer (or a line of a stream's answer) longer than ANSWER_LIMIT bytes: it was not read on. */
export const ANSWER_TOO_LARGE = 'CONNECTOROPS_ANSWER_TOO_LARGE';

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
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > ANSWER_LIMIT) return fail(answerTooLarge());
          chunks.push(chunk);
        });
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

  /**
   * A request whose body is written piece by piece while its answer is read line by line
   * (`POST /v1/actions/stream`): the head goes out at once, each `write` as soon as the current
   * turn of the event loop ends (writes made in the same turn go out together), and each line of
   * the answer is handed to `events.line` as it arrives. `events.closed` is told once: null when
   * the answer ended whole, else the failure (its `code` kept, as `send`'s).
   */
  open(exchange: Omit<Exchange, 'body' | 'timeoutMs'>, events: StreamEvents): Streamed {
    const req = this.#request(exchange.url, { method: exchange.method, headers: exchange.headers, agent: this.#agent });
    let closed = false;
    const close = (error: Error | null) => {
      if (closed) return;
      closed = true;
      events.closed(error);
    };
    req.on('error', (error) => close(withTlsCode(error)));
    req.on('socket', (socket: Socket) => {
      // Small writes, each waited for by the other side: never held back by Nagle's algorithm.
      socket.setNoDelay(true);
      if (!socket.connecting) return;
      const connectTimer = setTimeout(() => {
        close(connectTimeoutError());
        req.destroy();
      }, CONNECT_TIMEOUT_MS);
      socket.once('connect', () => clearTimeout(connectTimer));
      socket.once('close', () => clearTimeout(connectTimer));
    });
    req.on('response', (res: IncomingMessage) => {
      events.head(res.statusCode ?? 0);
      let rest = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        let start = 0;
        for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
          const line = rest + chunk.slice(start, nl);
          rest = '';
          start = nl + 1;
          if (!closed) events.line(line);
        }
        rest += chunk.slice(start);
        if (rest.length > ANSWER_LIMIT && !closed) {
          close(answerTooLarge());
          req.destroy();
        }
      });
      res.on('error', (error) => close(error));
      res.on('close', () => {
        if (!res.complete) close(Object.assign(new Error('the connection closed before the whole answer arrived'), { code: 'ECONNRESET' }));
      });
      res.on('end', () => {
        if (rest !== '' && !closed) events.line(rest);
        close(null);
        // Ended before our body was (the server ended the stream early): this connection is done.
        if (!req.writableEnded) req.destroy();
      });
    });
    req.flushHeaders();
    // What was written in this turn of the event loop, sent as one chunk of the body when it ends.
    let unsent = '';
    const flush = () => {
      const text = unsent;
      unsent = '';
      if (!req.writableEnded && !req.destroyed) req.write(text);
    };
    return {
      write(text: string) {
        if (req.writableEnded || req.destroyed) return;
        if (unsent === '') process.nextTick(flush);
        unsent += text;
      },
      end() {
        if (req.writableEnded || req.destroyed) return;
        if (unsent !== '') flush();
        req.end();
      },
      destroy(error: Error) {
        close(error);
        req.destroy();
      },
    };
  }

  /** Closes the kept-alive connections; requests in flight fail. */
  close(): void {
    this.#agent.destroy();
  }
}

/** What `Transport.open` tells of its answer. */
export interface StreamEvents {
  /** The answer's status, as soon as its head arrives. */
  head(status: number): void;
  /** One line of the answer (without its line break). */
  line(text: string): void;
  /** Once, at the end: null when the answer ended whole, else why it did not. */
  closed(error: Error | null): void;
}

/** A request `Transport.open` made: its body, written as it goes. */
export interface Streamed {
  write(text: string): void;
  /** Ends the body; the answer goes on until the server ends it. */
  end(): void;
  /** Drops the connection; `closed` is told `error`. */
  destroy(error: Error): void;
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

function answerTooLarge(): Error {
  return Object.assign(new Error(`an answer over ${ANSWER_LIMIT / 1024 / 1024} MiB, not read to its end`), { code: ANSWER_TOO_LARGE });
}

function connectTimeoutError(): Error {
  return Object.assign(new Error('the connection could not be made in time'), { code: CONNECT_TIMEOUT });
}
