/**
 * Where `comment` posts, from the environment and flags (docs/github.md): the token from
 * GITHUB_TOKEN, the API from GITHUB_API_URL, the repository from --repo or GITHUB_REPOSITORY.
 * GitHub Actions sets the last two itself; the token must be passed in `env:`.
 *
 * Messages here never quote the token, not even part of it.
 */
import { appendFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { quoteTerminal } from '../render/escape.js';
import type { CodeHost } from '../render/render-plan.js';
import { isLoopbackHost } from '../util/hosts.js';

const DEFAULT_GITHUB_API_URL = 'https://api.github.com';
/** How long one request to GitHub may take, answer and body, unless GITHUB_TIMEOUT_ENV says otherwise. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface GitHubContext {
  token: string;
  /** No trailing slash. */
  baseUrl: string;
  owner: string;
  repo: string;
  /** How long one request may take (CONNECTOROPS_GITHUB_TIMEOUT, in seconds; default 30). */
  timeoutMs: number;
}

/** The environment variable that sets the per-request timeout, in seconds. */
const GITHUB_TIMEOUT_ENV = 'CONNECTOROPS_GITHUB_TIMEOUT';

// GitHub's rules: an owner is letters, digits and single hyphens; a repository name is letters,
// digits, `.`, `_`, `-`, but not `.` or `..`.
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

/** `OWNER/NAME` → its parts; UserError (naming `source`) when it is not one. */
export function parseRepository(value: string, source: string): { owner: string; repo: string } {
  const parts = value.split('/');
  const [owner, repo] = parts;
  if (parts.length !== 2 || !owner || !repo || !OWNER.test(owner) || !NAME.test(repo) || repo === '.' || repo === '..') {
    throw new UserError(`${source} must be OWNER/NAME (like acme/infra), not ${quoteTerminal(value)}`);
  }
  return { owner, repo };
}

/** A pull request number: a whole number from 1. */
export function parsePullNumber(value: string | undefined): number {
  if (value === undefined)
    throw new UserError('comment needs --pr N, the pull request to comment on', { hint: 'in a workflow: --pr ${{ github.event.pull_request.number }}' });
  const n = Number(value);
  if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(n))
    throw new UserError(`--pr takes a pull request number, not ${quoteTerminal(value)}`, { hint: 'in a workflow: --pr ${{ github.event.pull_request.number }}' });
  return n;
}

/** Which command needs GitHub, and for what: named in the messages when the token or repository is missing. */
export interface GitHubUse {
  /** `comment`, `drift`. */
  command: string;
  /** What the token must be allowed to do, in words: `write pull request comments`. */
  needs: string;
  /** The workflow permission that allows it: `pull-requests: write`. */
  permission: string;
}

const COMMENT_USE: GitHubUse = { command: 'comment', needs: 'write pull request comments', permission: 'pull-requests: write' };

/** `rollout issue` and `rollout sync`: they write (and read) the rollout issue. */
export function rolloutIssueUse(command: 'rollout issue' | 'rollout sync'): GitHubUse {
  return { command, needs: 'write issues', permission: 'issues: write' };
}

/** Reads the token, API URL and repository; every problem is a UserError with a hint. */
export function resolveGitHubContext(env: NodeJS.ProcessEnv, repoFlag: string | undefined, use: GitHubUse = COMMENT_USE): GitHubContext {
  const token = (env.GITHUB_TOKEN ?? '').trim();
  if (!token) {
    throw new UserError(`GITHUB_TOKEN is not set: ${use.command} needs a token that may ${use.needs}`, {
      hint: `in a workflow, add env: GITHUB_TOKEN: \${{ secrets.GITHUB_TOKEN }} and permissions: ${use.permission}; locally, export a token`,
    });
  }
  // A line break or space in a header would make fetch throw an error that quotes the header.
  if (/[^\x21-\x7e]/.test(token)) {
    throw new UserError('GITHUB_TOKEN holds a space, a line break or another character that cannot go in an HTTP header', {
      hint: 'set it to the token alone',
    });
  }

  const rawUrl = (env.GITHUB_API_URL ?? '').trim() || DEFAULT_GITHUB_API_URL;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new UserError(`GITHUB_API_URL is not a URL: ${quoteTerminal(rawUrl)}`, { hint: `unset it for ${DEFAULT_GITHUB_API_URL}` });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UserError(`GITHUB_API_URL must be an http(s) URL, not ${quoteTerminal(rawUrl)}`, { hint: `unset it for ${DEFAULT_GITHUB_API_URL}` });
  }
  if (url.username || url.password) throw new UserError('GITHUB_API_URL must not hold credentials; the token goes in GITHUB_TOKEN');
  // Over plain http anyone on the way reads the token; only this machine is exempt (a test stand-in, a local proxy).
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new UserError(`GITHUB_API_URL must be https:// (the token would travel in clear text), not ${quoteTerminal(rawUrl)}`, {
      hint: `unset it for ${DEFAULT_GITHUB_API_URL}; GitHub Enterprise Server: https://HOST/api/v3`,
    });
  }
  const baseUrl = rawUrl.replace(/\/+$/, '');

  const repoValue = repoFlag ?? env.GITHUB_REPOSITORY;
  if (repoValue === undefined || repoValue.trim() === '') {
    throw new UserError(`${use.command} does not know the repository: give --repo OWNER/NAME or set GITHUB_REPOSITORY`, {
      hint: 'GitHub Actions sets GITHUB_REPOSITORY itself',
    });
  }
  const { owner, repo } = parseRepository(repoValue.trim(), repoFlag !== undefined ? '--repo' : 'GITHUB_REPOSITORY');
  return { token, baseUrl, owner, repo, timeoutMs: parseTimeout(env[GITHUB_TIMEOUT_ENV]) };
}

function parseTimeout(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_REQUEST_TIMEOUT_MS;
  const seconds = Number(value);
  if (!/^\s*\d+(?:\.\d+)?\s*$/.test(value) || !(seconds > 0) || seconds > 3600) {
    throw new UserError(`${GITHUB_TIMEOUT_ENV} is a number of seconds from 0.001 to 3600, not ${quoteTerminal(value)}`, {
      hint: `unset it for ${DEFAULT_REQUEST_TIMEOUT_MS / 1000}`,
    });
  }
  return Math.round(seconds * 1000);
}

const DEFAULT_GITHUB_SERVER_URL = 'https://github.com';

/** A web origin with an optional plain path: nothing that could end a Markdown link or add to it. */
const SERVER_URL = /^https?:\/\/[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:\/[A-Za-z0-9._~-]+)*$/;

/**
 * Where the repository is browsed, for links from a plan's usages to their code: the server from
 * GITHUB_SERVER_URL (default https://github.com), the repository from `repository` or
 * GITHUB_REPOSITORY. Undefined when either is missing or unusable: a plan without links is
 * better than no plan.
 */
export function codeHostFrom(env: NodeJS.ProcessEnv, repository?: { owner: string; repo: string }): CodeHost | undefined {
  const serverUrl = ((env.GITHUB_SERVER_URL ?? '').trim() || DEFAULT_GITHUB_SERVER_URL).replace(/\/+$/, '');
  if (!SERVER_URL.test(serverUrl)) return undefined;
  let repo = repository;
  if (!repo) {
    const value = (env.GITHUB_REPOSITORY ?? '').trim();
    if (!value) return undefined;
    try {
      repo = parseRepository(value, 'GITHUB_REPOSITORY');
    } catch {
      return undefined;
    }
  }
  return { serverUrl, owner: repo.owner, repo: repo.repo };
}

/**
 * Appends `markdown` to the job summary file (GITHUB_STEP_SUMMARY), separated from what other
 * steps wrote by a blank line.
 */
export async function appendJobSummary(path: string, markdown: string): Promise<void> {
  await appendFile(path, `${markdown.trimEnd()}\n\n`, 'utf8');
}
