/**
 * GitHub's refusals and failures in words for people, converted once at the adapter boundary
 * (octokit.ts). A `GitHubError` is a `TargetError` (a remote service refused or failed): the CLI's
 * top-level catch prints its message and hint and exits 1.
 *
 * What never reaches a message: the token (octokit's RequestError already redacts the
 * authorization header; we also scrub it from every string we copy, in case a server echoes it),
 * request bodies (we never copy `error.request`), and the RequestError itself (it is not kept as a
 * cause, so nothing can print it later by accident).
 */
import { TargetError } from '../errors.js';
import { redactParts } from '../model/redact.js';

export class GitHubError extends TargetError {
  override name = 'GitHubError';
  constructor(
    message: string,
    details: { status?: number; hint?: string },
    /** GitHub's `x-github-request-id`, for a support ticket. */
    readonly requestId?: string,
  ) {
    super(message, details);
  }
}

/**
 * An answer the adapter refuses before it is used: a link to another origin, a redirect, a body
 * that is not JSON. Thrown from octokit's hooks (not a RequestError, so it is never retried) and
 * turned into a GitHubError naming the operation by `toGitHubError`.
 */
export class GitHubAnswerError extends Error {
  override name = 'GitHubAnswerError';
  constructor(
    readonly why: string,
    readonly hint: string,
  ) {
    super(why);
  }
}

/** No answer within the deadline. Named AbortError so that @octokit/request passes it on as it is (unretried). */
export class GitHubTimeout extends Error {
  override name = 'AbortError';
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs / 1000}s`);
  }
}

/** What the adapter was doing, for the message: `list the comments of`, `update comment 123 on`. */
export interface Operation {
  /** A verb phrase: "list the comments", "create a comment", "update comment 12". */
  doing: string;
  /** `owner/name`. */
  repository: string;
  /** What the call is about: a pull request (comment), or a rollout issue; `number` null for a call on the repository (list or create issues). */
  subject: { kind: 'pull request' | 'issue'; number: number | null };
  /** GITHUB_API_URL, for "could not reach". */
  baseUrl: string;
}

/** The parts of octokit's RequestError we read; anything else is not a GitHub answer. */
interface RequestErrorLike {
  name: string;
  status: number;
  message: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

function isRequestError(error: unknown): error is RequestErrorLike {
  return error instanceof Error && error.name === 'HttpError' && typeof (error as { status?: unknown }).status === 'number';
}

/** GitHub's own one-line explanation (`message`, and for 422 each error's `message`), scrubbed. */
function githubSays(data: unknown, secret: string): string | undefined {
  if (data === null || typeof data !== 'object') return undefined;
  const d = data as { message?: unknown; errors?: unknown };
  const parts: string[] = [];
  if (typeof d.message === 'string' && d.message) parts.push(d.message);
  if (Array.isArray(d.errors)) {
    for (const e of d.errors) {
      const m = e && typeof e === 'object' ? (e as { message?: unknown }).message : undefined;
      if (typeof m === 'string' && m) parts.push(m);
    }
  }
  if (!parts.length) return undefined;
  return oneLine(scrub(parts.join(': '), secret));
}

/** Keeps a server's text on one short line: it goes into our one-line error. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}

/**
 * Removes `secret` from `text`, and every part of it (a server or a library that echoes the token,
 * whole, cut or wrapped, must not print any of it).
 */
export function scrub(text: string, secret: string): string {
  return redactParts(text, [secret]);
}

/**
 * Converts whatever an octokit call threw into a `GitHubError`. Errors that are not GitHub answers
 * (a bug of ours, say) are returned as they are, scrubbed of the token.
 */
export function toGitHubError(error: unknown, op: Operation, secret: string): Error {
  const { kind, number } = op.subject;
  const where = number === null ? op.repository : `${op.repository}#${number}`;
  if (error instanceof GitHubAnswerError) {
    return new GitHubError(`connectorops stopped trying to ${op.doing} on ${where}: ${scrub(error.why, secret)}`, { hint: error.hint });
  }
  if (error instanceof GitHubTimeout) {
    return new GitHubError(`GitHub at ${op.baseUrl} did not answer within ${error.timeoutMs / 1000}s when trying to ${op.doing} on ${where}`, {
      hint: 'GitHub may be having trouble (https://www.githubstatus.com), or GITHUB_API_URL points at a host that does not answer; CONNECTOROPS_GITHUB_TIMEOUT sets the limit in seconds',
    });
  }
  if (!isRequestError(error)) {
    if (error instanceof Error) {
      error.message = scrub(error.message, secret);
      if (error.stack) error.stack = scrub(error.stack, secret);
      return error;
    }
    return new Error(scrub(String(error), secret));
  }
  const status = error.status;
  const headers = error.response?.headers ?? {};
  const requestId = typeof headers['x-github-request-id'] === 'string' ? headers['x-github-request-id'] : undefined;
  const says = githubSays(error.response?.data, secret);
  const because = says ? `: GitHub says "${says}"` : '';
  const make = (message: string, hint: string) => new GitHubError(message, { status, hint }, requestId);

  // No response at all: fetch failed (DNS, refused connection, TLS). @octokit/request reports it
  // as a 500 without a response.
  if (error.response === undefined) {
    // @octokit/request puts the network error's own message (ECONNREFUSED …) in `message`.
    return new GitHubError(`could not reach GitHub at ${op.baseUrl} to ${op.doing} on ${where}: ${oneLine(scrub(error.message, secret))}`, {
      hint: 'check GITHUB_API_URL (GitHub Enterprise Server: https://HOST/api/v3) and the network',
    });
  }
  if (status === 401) {
    return make(
      `GITHUB_TOKEN was refused by GitHub (HTTP 401) when trying to ${op.doing} on ${where}`,
      'the token is invalid, expired or revoked; in a workflow, pass GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }} in env:',
    );
  }
  const rateLimited = status === 429 || (status === 403 && (headers['x-ratelimit-remaining'] === '0' || /\brate limit\b/i.test(error.message)));
  if (rateLimited) {
    return make(
      `GitHub's rate limit stopped connectorops from trying to ${op.doing} on ${where} (HTTP ${status}), after retrying`,
      'run the job again later; many jobs sharing one token share its rate limit',
    );
  }
  if (status === 403) {
    return make(
      `GitHub refused to let the token ${op.doing} on ${where} (HTTP 403)${because}`,
      kind === 'issue'
        ? 'the token needs permission to write issues: give the workflow `permissions: issues: write` (see docs/github.md)'
        : 'the token needs permission to write pull request comments: give the workflow `permissions: pull-requests: write`; a pull request from a fork only gets a read-only token (see docs/github.md)',
    );
  }
  if (status === 404) {
    return make(
      `GitHub found no repository ${op.repository}${number === null ? '' : ` with ${kind} #${number}`} (HTTP 404) when trying to ${op.doing}`,
      `check --repo (or GITHUB_REPOSITORY)${kind === 'issue' ? (number === null ? '' : ' and --issue') : ' and --pr'}; GitHub also answers 404 when the token cannot see a private repository`,
    );
  }
  if (status === 422) {
    return make(
      `GitHub rejected the request to ${op.doing} on ${where} (HTTP 422)${because}`,
      'this is likely a bug in connectorops: please report it with the command you ran',
    );
  }
  return make(
    `GitHub failed to ${op.doing} on ${where} (HTTP ${status})${because}, after retrying`,
    'GitHub may be having trouble (https://www.githubstatus.com); run the job again',
  );
}
