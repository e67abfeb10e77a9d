/**
 * The studio's HTTP server (docs/studio.md): the page, its assets, and a small JSON API over one
 * target and the manifests, on 127.0.0.1 only.
 *
 * Security. The URL printed at start-up carries a one-time token (as Jupyter does): the first
 * request that presents it gets a session cookie (HttpOnly, SameSite=Strict) and the token is spent.
 * Every request without that cookie is refused (401), every request whose Host is not the studio's
 * own (DNS rebinding) is refused (403), and every state-changing request (POST) must also carry an
 * `Origin` equal to the studio's own (403 otherwise): a page elsewhere cannot mark steps done
 * through the user's browser. The page is served with a Content-Security-Policy that allows
 * nothing but the studio itself.
 *
 * State changes go through the same code as the CLI: *Mark done* is rollout/run.ts `recordDone`,
 * as `connectorops rollout done` calls it. There is no other way to change anything here.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { TargetError, UserError } from '../errors.js';
import { loadForPlan, planAgainst, type LoadOptions } from '../plan/run.js';
import { allRollouts, openRolloutOf, recordDone, requireOpenRollout, type RolloutRecorder } from '../rollout/run.js';

import type { Refusal, View } from './api.js';
import { renderRulesPage } from './rules-page.js';
import { buildView, ruleRef } from './view.js';

export interface StudioOptions {
  /** Read, planned against, and its rollout's steps recorded: never locked, closed by the caller. */
  target: RolloutRecorder;
  /** How the manifests are found (plan/run.ts `loadForPlan`); `env` holds the secrets' variables. */
  manifests: LoadOptions & { env: NodeJS.ProcessEnv };
  /** Who *Mark done* records. */
  by: string;
  /** 0 picks a free port. */
  port: number;
  /** The page's script and stylesheet (`app.js`, `app.css`), built by scripts/bundle.js. */
  assetsDir: string;
  /** docs/rules.md, served as a page so that a rule's link resolves on this machine. */
  rulesFile: string;
  /** How often the target is asked whether it changed, for the page's live updates (ms). */
  pollMs?: number;
  /** Request problems (never a token or a secret). */
  log?: (line: string) => void;
}

export interface RunningStudio {
  /** The URL to open, with the one-time token. */
  url: string;
  /** The studio's own origin, `http://127.0.0.1:PORT`. */
  origin: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const MAX_BODY = 16 * 1024;

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>connectorops studio</title>
<link rel="stylesheet" href="/app.css">
<script type="module" src="/app.js"></script>
</head>
<body>
<div id="app"><main><h1>connectorops studio</h1><p>Loading…</p></main></div>
</body>
</html>
`;

export async function startStudio(options: StudioOptions): Promise<RunningStudio> {
  const { target } = options;
  const log = options.log ?? (() => {});
  let token: string | null = randomBytes(24).toString('base64url');
  const session = randomBytes(32).toString('base64url');
  const streams = new Set<ServerResponse>();
  let origin = '';
  let cookieName = '';

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}) => {
    res.writeHead(status, {
      'content-type': type,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'content-security-policy': CSP,
      ...headers,
    });
    res.end(body);
  };
  const json = (res: ServerResponse, status: number, body: unknown) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
  const refuse = (res: ServerResponse, status: number, refusal: Refusal) => json(res, status, refusal);

  const hasSession = (req: IncomingMessage): boolean => {
    const value = cookieValue(req.headers.cookie, cookieName);
    return value !== null && sameSecret(value, session);
  };

  const view = async (): Promise<View> => {
    const [snapshot, info, rollout, rollouts] = await Promise.all([target.read(), target.info(), openRolloutOf(target), allRollouts(target)]);
    let plan: Parameters<typeof buildView>[0]['plan'];
    let codeUsages: Parameters<typeof buildView>[0]['codeUsages'] = [];
    try {
      const loaded = await loadForPlan(options.manifests);
      codeUsages = loaded.manifests.usages?.usages ?? [];
      plan = await planAgainst(target, loaded, { allowReplace: false, env: options.manifests.env, snapshot });
    } catch (error) {
      if (!(error instanceof UserError || error instanceof TargetError)) throw error;
      plan = { error: error.details.hint ? `${error.message} (${error.details.hint})` : error.message };
    }
    return buildView({
      by: options.by,
      target: target.name,
      mode: info.mode,
      account: info.account,
      serial: snapshot.serial,
      state: snapshot.state,
      plan,
      codeUsages,
      rollout,
      rollouts,
    });
  };

  /** What the live updates compare: the state's serial and the open rollout's events. */
  const version = async (): Promise<string> => {
    const [serial, rollout] = await Promise.all([target.serial(), target.currentRollout()]);
    return `${serial}/${rollout ? `${rollout.id}:${rollout.events.length}` : '-'}`;
  };

  const markDone = async (req: IncomingMessage, res: ServerResponse) => {
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
      return refuse(res, 415, { error: 'a request to the studio is JSON (content-type: application/json)' });
    }
    // Told up front, or found while reading: either way answered, not dropped (nothing is recorded).
    const body = Number(req.headers['content-length'] ?? 0) > MAX_BODY ? null : await readBody(req);
    if (body === null) {
      return send(
        res,
        413,
        'application/json; charset=utf-8',
        JSON.stringify({
          error: `the request is too large: a request to the studio is a few bytes of JSON ({"step": "a1"}), at most ${MAX_BODY} bytes`,
        } satisfies Refusal),
        { connection: 'close' },
      );
    }
    let step: unknown;
    try {
      step = (JSON.parse(body) as { step?: unknown }).step;
    } catch {
      step = undefined;
    }
    if (typeof step !== 'string' || !step) return refuse(res, 400, { error: 'name the step: {"step": "a1"}' });
    try {
      const rollout = await requireOpenRollout(target);
      const result = await recordDone(target, rollout, [step], { by: options.by, env: options.manifests.env });
      json(res, 200, { recorded: result.recorded.map((s) => s.id), closed: result.closed });
      void notify();
    } catch (error) {
      if (error instanceof UserError || error instanceof TargetError) {
        return refuse(res, 409, {
          error: error.message,
          ...(error.details.hint !== undefined ? { hint: error.details.hint } : {}),
          ...(error.details.rule !== undefined ? { rule: ruleRef(error.details.rule) } : {}),
        });
      }
      throw error;
    }
  };

  let lastVersion = '';
  const notify = async () => {
    if (!streams.size) return;
    const now = await version();
    if (now === lastVersion) return;
    lastVersion = now;
    for (const s of streams) s.write(`event: changed\ndata: ${JSON.stringify(now)}\n\n`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', origin);
    if (req.headers.host !== new URL(origin).host) return refuse(res, 403, { error: `this studio answers only at ${origin}` });

    if (req.method === 'GET' && url.pathname === '/' && url.searchParams.has('token')) {
      const given = url.searchParams.get('token') ?? '';
      if (hasSession(req)) return send(res, 303, 'text/plain; charset=utf-8', 'See /\n', { location: '/' });
      if (token === null || !sameSecret(given, token)) {
        return send(
          res,
          401,
          'text/plain; charset=utf-8',
          'This studio link is not valid, or was used already: each link opens the studio once. Restart connectorops studio for a new one.\n',
        );
      }
      token = null;
      return send(res, 303, 'text/plain; charset=utf-8', 'See /\n', {
        location: '/',
        'set-cookie': `${cookieName}=${session}; HttpOnly; SameSite=Strict; Path=/`,
      });
    }
    if (!hasSession(req)) {
      return refuse(res, 401, { error: 'no studio session: open the URL that connectorops studio printed (it holds a one-time token)' });
    }
    if (req.method === 'POST') {
      if (req.headers.origin !== origin) return refuse(res, 403, { error: `a change is accepted only from the studio's own page (${origin})` });
      if (url.pathname === '/api/done') return markDone(req, res);
      return refuse(res, 404, { error: `no such action: ${url.pathname}` });
    }
    if (req.method !== 'GET') return refuse(res, 405, { error: `${req.method ?? '?'} is not accepted here` });

    switch (url.pathname) {
      case '/':
        return send(res, 200, 'text/html; charset=utf-8', PAGE);
      case '/app.js':
        return send(res, 200, 'text/javascript; charset=utf-8', await readFile(join(options.assetsDir, 'app.js')));
      case '/app.css':
        return send(res, 200, 'text/css; charset=utf-8', await readFile(join(options.assetsDir, 'app.css')));
      case '/favicon.ico':
        res.writeHead(204).end();
        return;
      case '/docs/rules.md':
        return send(res, 200, 'text/html; charset=utf-8', renderRulesPage(await readFile(options.rulesFile, 'utf8')));
      case '/api/view':
        return json(res, 200, await view());
      case '/api/events': {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
        res.write(': connectorops studio\n\n');
        streams.add(res);
        lastVersion = lastVersion || (await version());
        req.on('close', () => streams.delete(res));
        return;
      }
      default:
        return refuse(res, 404, { error: `nothing at ${url.pathname}` });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`studio: ${req.method ?? '?'} ${req.url?.split('?')[0] ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) refuse(res, 500, { error: 'the studio could not answer: see the terminal where connectorops studio runs' });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, HOST, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  origin = `http://${HOST}:${port}`;
  cookieName = `connectorops-studio-${port}`;

  const timer = setInterval(() => {
    notify().catch((error: unknown) => log(`studio: reading the target failed: ${error instanceof Error ? error.message : String(error)}`));
  }, options.pollMs ?? 1000);
  timer.unref();

  return {
    url: `${origin}/?token=${token}`,
    origin,
    close: async () => {
      clearInterval(timer);
      for (const s of streams) s.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The body as text, or null once it passes MAX_BODY (the rest is not kept). */
function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume();
      resolve(null);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return null;
}

/** Compares two secrets in constant time (a wrong length is simply wrong). */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
