/**
 * The octokit adapter of `PullRequestThread`: a pull request's issue comments over GitHub's REST
 * API (github.com or GitHub Enterprise Server, by `baseUrl`).
 *
 * Policy, as data, in one place:
 * - Rate limits (primary and secondary) are retried a couple of times by
 *   @octokit/plugin-throttling, after the wait GitHub asks for; each retry logs one line. A
 *   primary limit that resets further away than MAX_RATE_LIMIT_WAIT_SECONDS is not waited for: a
 *   CI job should fail and say so rather than sit idle for an hour.
 * - Server errors (5xx) and network failures are retried by @octokit/plugin-retry; 4xx answers
 *   other than rate limits are final.
 * - Every failure leaves this module as a `GitHubError` (errors.ts): status and words for people,
 *   never the token, never a request body.
 * - The token goes to the API's origin and nowhere else: a URL of another origin (a pagination
 *   `Link` that points elsewhere, say) is refused before any header is sent, redirects are never
 *   followed (a 3xx is an error naming where it pointed), every request has a timeout, and a
 *   success whose body is not JSON is an error, not a comment with no id.
 */
import { randomUUID } from 'node:crypto';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck/light.js';
import { Octokit } from 'octokit';
import { quoteTerminal } from '../render/escape.js';
import { isLoopbackHost } from '../util/hosts.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './context.js';
import { GitHubAnswerError, GitHubTimeout, scrub, toGitHubError, type Operation } from './errors.js';
import type { IssueComment, PullRequestThread } from './thread.js';

/**
 * `octokit`'s Octokit already carries both plugins; `plugin()` skips plugins a class already has,
 * so this changes nothing today. It states what the adapter relies on, and keeps relying on it
 * if the base class ever becomes @octokit/core.
 */
const GitHub = Octokit.plugin(throttling, retry);

/** How many times one request is retried, whatever the reason. */
const MAX_RETRIES = 2;
/** A primary rate limit that resets later than this is reported, not waited for. */
const MAX_RATE_LIMIT_WAIT_SECONDS = 120;
/** GitHub's largest page: fewer requests for long conversations. */
const PER_PAGE = 100;

export interface OctokitThreadOptions {
  token: string;
  /** GITHUB_API_URL: `https://api.github.com`, or `https://HOST/api/v3` on GitHub Enterprise Server. */
  baseUrl: string;
  owner: string;
  repo: string;
  pullNumber: number;
  /** Where retries are reported: one line each (stderr in the CLI). */
  log: (line: string) => void;
  /**
   * Milliseconds per second of waiting before a retry (default 1000). Tests set 0: the plugins'
   * real retry paths run, without real waits.
   */
  msPerSecond?: number;
  /** Milliseconds one request may take (default DEFAULT_REQUEST_TIMEOUT_MS). */
  timeoutMs?: number;
  userAgent?: string;
}

export type GitHubClientOptions = Omit<OctokitThreadOptions, 'owner' | 'repo' | 'pullNumber'>;

/** An octokit client with the policy above (rate limits, retries, logging): every adapter's. */
export function createGitHubClient(options: GitHubClientOptions): InstanceType<typeof GitHub> {
  const { token, baseUrl, log } = options;
  const msPerSecond = options.msPerSecond ?? 1000;
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const origin = new URL(baseUrl).origin;
  const spacing = isLoopbackHost(new URL(baseUrl).hostname) ? 0 : msPerSecond;
  const octokit = new GitHub({
    auth: token,
    baseUrl,
    userAgent: options.userAgent ?? 'connectorops',
    // A redirect is GitHub's answer to show, not to follow: fetch would carry the token along.
    request: { redirect: 'manual', fetch: fetchWithTimeout(timeoutMs) },
    // octokit would log to the console; its warnings (deprecations) go where ours go.
    log: { debug: () => {}, info: () => {}, warn: (m: string) => log(`GitHub: ${scrub(m, token)}`), error: (m: string) => log(`GitHub: ${scrub(m, token)}`) },
    retry: { retries: MAX_RETRIES, retryAfterBaseValue: msPerSecond },
    throttle: {
      // The plugin keeps its limiters in module-wide groups keyed by id; an id per client keeps
      // two clients in one process (the tests make many) from pacing each other.
      id: `connectorops-${randomUUID()}`,
      retryAfterBaseValue: msPerSecond,
      // GitHub asks for a second between writes (and three before those that notify people), to
      // spare its shared servers. Ours pace on the same scale as the waits above, and not at all
      // for an API on this machine (a stand-in, a tunnel), which is not GitHub's shared service.
      write: new Bottleneck.Group({ maxConcurrent: 1, minTime: spacing }),
      notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: 3 * spacing }),
      onRateLimit: (retryAfter, request, _octokit, retryCount) => {
        if (retryCount >= MAX_RETRIES) return false;
        if (retryAfter > MAX_RATE_LIMIT_WAIT_SECONDS) {
          log(`GitHub rate limit exhausted on ${request.method} ${request.url}; it resets in ${retryAfter}s, too long to wait`);
          return false;
        }
        log(`GitHub rate limit exhausted on ${request.method} ${request.url}; retrying in ${retryAfter}s (retry ${retryCount + 1} of ${MAX_RETRIES})`);
        return true;
      },
      onSecondaryRateLimit: (retryAfter, request, _octokit, retryCount) => {
        if (retryCount >= MAX_RETRIES) return false;
        log(`GitHub secondary rate limit on ${request.method} ${request.url}; retrying in ${retryAfter}s (retry ${retryCount + 1} of ${MAX_RETRIES})`);
        return true;
      },
    },
  });

  // Registered after the plugins, so these run around every attempt, retries included.
  octokit.hook.before('request', (request) => {
    const url = octokit.request.endpoint.parse(request).url;
    let where: URL | undefined;
    try {
      where = new URL(url);
    } catch {
      where = undefined;
    }
    if (where?.origin !== origin) {
      throw new GitHubAnswerError(
        `it was asked to follow a link to ${describeUrl(url)}, outside ${origin}; nothing was sent there`,
        'GitHub only links within its own API; check GITHUB_API_URL and the proxy in front of it',
      );
    }
  });
  octokit.hook.after('request', (response) => {
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.location;
      throw new GitHubAnswerError(
        `GitHub answered HTTP ${response.status}, a redirect to ${typeof location === 'string' ? describeUrl(location) : 'nowhere'}, which is not followed`,
        'set GITHUB_API_URL to the API itself (GitHub Enterprise Server: https://HOST/api/v3)',
      );
    }
    if (response.status !== 204 && (response.data === null || typeof response.data !== 'object' || response.data instanceof ArrayBuffer)) {
      throw new GitHubAnswerError(
        `GitHub answered HTTP ${response.status} with a body that is not JSON`,
        'check GITHUB_API_URL: it must be the REST API (GitHub Enterprise Server: https://HOST/api/v3), not a web page',
      );
    }
  });
  return octokit;
}

/** A `PullRequestThread` for one pull request, through octokit. */
export function createOctokitThread(options: OctokitThreadOptions): PullRequestThread {
  const { token, baseUrl, owner, repo, pullNumber } = options;
  const octokit = createGitHubClient(options);
  const repository = `${owner}/${repo}`;
  const call = async <T>(doing: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      const op: Operation = { doing, repository, subject: { kind: 'pull request', number: pullNumber }, baseUrl };
      throw toGitHubError(error, op, token);
    }
  };

  return {
    label: `${repository}#${pullNumber}`,
    listComments: () =>
      call('list the comments', async () => {
        const items = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: pullNumber, per_page: PER_PAGE });
        return items.map(toComment);
      }),
    createComment: (body) =>
      call('create a comment', async () => toComment((await octokit.rest.issues.createComment({ owner, repo, issue_number: pullNumber, body })).data)),
    updateComment: (id, body) =>
      call(`update comment ${id}`, async () => toComment((await octokit.rest.issues.updateComment({ owner, repo, comment_id: id, body })).data)),
    deleteComment: (id) =>
      call(`delete comment ${id}`, async () => {
        await octokit.rest.issues.deleteComment({ owner, repo, comment_id: id });
      }),
  };
}

/**
 * fetch with a deadline per request (the answer and its body). A timeout is thrown as an
 * `AbortError`, which @octokit/request passes on untouched and the retry plugin does not retry:
 * a server that does not answer in 30 s is not worth another 30 s.
 */
function fetchWithTimeout(timeoutMs: number): typeof fetch {
  return async (input, init) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    try {
      return await fetch(input, { ...init, signal });
    } catch (error) {
      if (deadline.aborted) throw new GitHubTimeout(timeoutMs);
      throw error;
    }
  };
}

/** A URL someone else chose, for a message: quoted, escaped, without its query, and short. */
function describeUrl(url: string): string {
  let shown = url;
  try {
    const u = new URL(url);
    shown = `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    // Not a URL: shown as it is, escaped.
  }
  return quoteTerminal(shown.length > 120 ? `${shown.slice(0, 119)}…` : shown);
}

export interface ApiComment {
  id: number;
  body?: string | null;
  user?: { login: string; type: string } | null;
  author_association?: string;
  html_url: string;
}

export function toComment(c: ApiComment): IssueComment {
  return {
    id: c.id,
    body: c.body ?? '',
    user: c.user ? { login: c.user.login, type: c.user.type } : null,
    association: c.author_association ?? 'NONE',
    htmlUrl: c.html_url,
  };
}
