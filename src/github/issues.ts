/**
 * The GitHub side of the rollout issue (docs/github.md, "The rollout issue"): a repository's
 * labelled issues, their comments, and a user's permission, over octokit with the same policy as
 * the plan comment (octokit.ts: rate limits waited for a little, 5xx retried, GitHubError out).
 */
import { createGitHubClient, toComment, type GitHubClientOptions } from './octokit.js';
import { toGitHubError } from './errors.js';
import type { CommentAuthor, IssueComment } from './thread.js';

export interface Issue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  htmlUrl: string;
  /** Who opened it (null: a deleted account). */
  user: CommentAuthor | null;
  /** The opener's relation to the repository, GitHub's `author_association` (thread.ts, `mayBeOurs`). */
  association: string;
}

/** A user's permission on the repository: GitHub's `permission`, and its finer `role_name`. */
export interface RepositoryPermission {
  permission: string;
  roleName: string | null;
}

export interface RolloutIssues {
  readonly repository: string;
  /** Open issues with `label`, newest first. */
  listOpen(label: string): Promise<Issue[]>;
  /** Issues with `label`, open and closed, newest first. */
  listLabelled(label: string): Promise<Issue[]>;
  get(number: number): Promise<Issue>;
  create(fields: { title: string; body: string; labels: string[] }): Promise<Issue>;
  update(number: number, fields: { title?: string; body?: string; state?: 'open' | 'closed' }): Promise<Issue>;
  listComments(number: number): Promise<IssueComment[]>;
  createComment(number: number, body: string): Promise<IssueComment>;
  updateComment(id: number, body: string): Promise<IssueComment>;
  /** `none` when the user is no collaborator (GitHub answers 404 then). */
  permission(login: string): Promise<RepositoryPermission>;
}

export interface RolloutIssuesOptions extends GitHubClientOptions {
  owner: string;
  repo: string;
  /** What the issues are, for messages (default `rollout issue`): "could not create the drift issue". */
  what?: string;
}

interface ApiIssue {
  number: number;
  title: string;
  body?: string | null;
  state: string;
  html_url: string;
  pull_request?: unknown;
  user?: { login: string; type: string } | null;
  author_association?: string;
}

function toIssue(i: ApiIssue): Issue {
  return {
    number: i.number,
    title: i.title,
    body: i.body ?? '',
    state: i.state === 'closed' ? 'closed' : 'open',
    htmlUrl: i.html_url,
    user: i.user ? { login: i.user.login, type: i.user.type } : null,
    association: i.author_association ?? 'NONE',
  };
}

export function createOctokitIssues(options: RolloutIssuesOptions): RolloutIssues {
  const { token, baseUrl, owner, repo } = options;
  const octokit = createGitHubClient(options);
  const repository = `${owner}/${repo}`;
  const what = options.what ?? 'rollout issue';
  const call = async <T>(doing: string, issue: number, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw toGitHubError(error, { doing, repository, subject: { kind: 'issue', number: issue || null }, baseUrl }, token);
    }
  };
  const list = (label: string, state: 'open' | 'all') =>
    call(`list the ${what}s`, 0, async () => {
      const items = await octokit.paginate(octokit.rest.issues.listForRepo, { owner, repo, labels: label, state, per_page: 100 });
      return (items as ApiIssue[]).filter((i) => !i.pull_request).map(toIssue);
    });
  return {
    repository,
    listOpen: (label) => list(label, 'open'),
    listLabelled: (label) => list(label, 'all'),
    get: (number) => call(`read issue ${number}`, number, async () => toIssue((await octokit.rest.issues.get({ owner, repo, issue_number: number })).data as ApiIssue)),
    create: (fields) => call(`create the ${what}`, 0, async () => toIssue((await octokit.rest.issues.create({ owner, repo, ...fields })).data as ApiIssue)),
    update: (number, fields) =>
      call(`update issue ${number}`, number, async () => toIssue((await octokit.rest.issues.update({ owner, repo, issue_number: number, ...fields })).data as ApiIssue)),
    listComments: (number) =>
      call('list the comments', number, async () => {
        const items = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: number, per_page: 100 });
        return items.map(toComment);
      }),
    createComment: (number, body) =>
      call('create a comment', number, async () => toComment((await octokit.rest.issues.createComment({ owner, repo, issue_number: number, body })).data)),
    updateComment: (id, body) =>
      call(`update comment ${id}`, 0, async () => toComment((await octokit.rest.issues.updateComment({ owner, repo, comment_id: id, body })).data)),
    permission: (login) =>
      call(`read ${login}'s permission`, 0, async () => {
        try {
          const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: login });
          return { permission: data.permission, roleName: (data as { role_name?: string }).role_name ?? null };
        } catch (error) {
          if ((error as { status?: number }).status === 404) return { permission: 'none', roleName: null };
          throw error;
        }
      }),
  };
}

/** Only write, maintain and admin may tick a rollout's boxes. */
export function mayTick(p: RepositoryPermission): boolean {
  return p.permission === 'admin' || p.permission === 'write' || p.permission === 'maintain' || p.roleName === 'maintain';
}
