/**
 * The GitHub side of `connectorops comment`, as small as the sticky comment needs: one pull
 * request's conversation (its issue comments). The octokit adapter (octokit.ts) implements it
 * against the REST API; the sticky logic (sticky.ts) only ever sees this interface, so that its
 * decisions are plain data and its calls can be asserted in order.
 */

/** Who wrote a comment, as GitHub reports it. */
export interface CommentAuthor {
  login: string;
  /** `User`, `Bot` (GitHub Apps, `github-actions[bot]`) or `Organization`. */
  type: string;
}

/** GitHub's `author_association` of people who may write to the repository (a personal token's owner is one). */
export const WRITER_ASSOCIATIONS: ReadonlySet<string> = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);

/**
 * Whether a comment or an issue may be one connectorops wrote: by a bot (the Actions token's
 * `github-actions[bot]`, an App), or by someone who may write to the repository (a personal
 * token's owner). Anyone may comment, and anyone with triage may label an issue: a marker copied
 * into theirs must not make connectorops write into something its author can rewrite.
 */
export function mayBeOurs(written: { user: CommentAuthor | null; association: string }): boolean {
  return written.user?.type === 'Bot' || WRITER_ASSOCIATIONS.has(written.association);
}

/** One comment of a pull request's conversation. */
export interface IssueComment {
  /** GitHub's id: it only grows, so a larger id is a newer comment. */
  id: number;
  body: string;
  /** Null for a comment whose author account was deleted ("ghost"). */
  user: CommentAuthor | null;
  /**
   * The author's relation to the repository, GitHub's `author_association`: `OWNER`, `MEMBER`,
   * `COLLABORATOR` (may write to it), or `CONTRIBUTOR`, `NONE`, … (anyone who may comment).
   */
  association: string;
  /** The comment's address on github.com, for people. */
  htmlUrl: string;
}

/**
 * A pull request's conversation. Every method throws a `GitHubError` (errors.ts) when GitHub
 * refuses or fails, after the adapter's own retries.
 */
export interface PullRequestThread {
  /** `owner/name#number`, for messages. */
  readonly label: string;
  /** Every comment, all pages, oldest first. */
  listComments(): Promise<IssueComment[]>;
  createComment(body: string): Promise<IssueComment>;
  updateComment(id: number, body: string): Promise<IssueComment>;
  deleteComment(id: number): Promise<void>;
}
