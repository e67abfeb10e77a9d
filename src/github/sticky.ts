/**
 * The sticky plan comment: one comment per pull request and target, found again by a hidden
 * marker on its first line, and updated in place on every push (docs/github.md).
 *
 * `decideSticky` is pure: given the conversation and the new body, it says what to write.
 * `upsertSticky` lists, decides, and carries the decision out through a `PullRequestThread`.
 *
 * Which comment is ours:
 * - its body starts with the marker of this target (a quote of it starts with `>`, so quoting
 *   our comment never makes a new sticky one);
 * - among those, comments by a bot (`user.type === 'Bot'`, as `github-actions[bot]` is) win over
 *   comments by people: a person who pastes our raw body into their own comment does not take
 *   the sticky comment over. With a personal token our comments are a `User`'s, and then there is
 *   no bot comment to prefer: a person's comment is ours only when its author may write to the
 *   repository (`author_association` OWNER, MEMBER or COLLABORATOR), as a personal token's owner
 *   must. Anyone may comment on a public repository: a reader who posts the marker before our
 *   first comment must not have the plan written into a comment they can edit afterwards;
 * - the newest (largest id) is the sticky one. Older marked comments by the SAME author are
 *   duplicates (two runs raced, or a create was retried after GitHub had in fact stored it):
 *   they are deleted, after the update, so that a reviewer never reads a stale plan. Marked
 *   comments by anyone else are never touched.
 */
import { GitHubError } from './errors.js';
import { WRITER_ASSOCIATIONS, type IssueComment, type PullRequestThread } from './thread.js';
import { InternalError } from '../errors.js';

const MARKER_HEAD = '<!-- connectorops:plan target=';

/**
 * The hidden first line of the sticky comment of `target`. The target is percent-encoded
 * (encodeURIComponent): it cannot end the HTML comment early (`-->` has its `>` encoded), and
 * two targets never share a marker.
 */
export function stickyMarker(target: string): string {
  return `${MARKER_HEAD}${encodeURIComponent(target)} -->`;
}

/** GitHub may hand a body back with CRLF line ends (after an edit in the web UI). */
function normalize(body: string): string {
  return body.replace(/\r\n/g, '\n').replace(/\s+$/, '');
}

/** True when `comment` is a sticky comment for `marker` (its first line is the marker). */
export function isMarked(comment: IssueComment, marker: string): boolean {
  const body = normalize(comment.body);
  return body === marker || body.startsWith(marker + '\n');
}

/** What to write. `remove` lists the older duplicates to delete, oldest first. */
export type StickyDecision =
  | { kind: 'create'; remove: IssueComment[] }
  | { kind: 'update'; comment: IssueComment; remove: IssueComment[] }
  | { kind: 'unchanged'; comment: IssueComment; remove: IssueComment[] };

/** Decides what to write so that the conversation ends up with one sticky comment holding `body`. */
export function decideSticky(comments: readonly IssueComment[], marker: string, body: string): StickyDecision {
  const marked = comments.filter((c) => isMarked(c, marker));
  const bots = marked.filter((c) => c.user?.type === 'Bot');
  const pool = bots.length ? bots : marked.filter((c) => WRITER_ASSOCIATIONS.has(c.association));
  if (!pool.length) return { kind: 'create', remove: [] };
  const keep = pool.reduce((a, b) => (b.id > a.id ? b : a));
  // A comment we cannot attribute (its author's account is gone) is never deleted.
  const author = keep.user?.login;
  const remove = author === undefined ? [] : pool.filter((c) => c.id !== keep.id && c.user?.login === author).sort((a, b) => a.id - b.id);
  return normalize(keep.body) === normalize(body) ? { kind: 'unchanged', comment: keep, remove } : { kind: 'update', comment: keep, remove };
}

export interface StickyOutcome {
  action: 'created' | 'updated' | 'unchanged';
  /** The sticky comment as it now is. */
  comment: IssueComment;
  /** Ids of the duplicates deleted. */
  deleted: number[];
  /** Duplicates that could not be deleted (left in place; the run still succeeds). */
  notDeleted: { id: number; reason: string }[];
}

/**
 * Makes the sticky comment of `marker` hold `body`: one list (all pages), then at most one write,
 * then one delete per duplicate. `body` must start with `marker` (commentBody does that).
 *
 * A sticky comment deleted between the list and the update (HTTP 404) is created again. A
 * duplicate that cannot be deleted is reported in the outcome, not thrown: the plan is posted,
 * which is what the run is for.
 */
export async function upsertSticky(thread: PullRequestThread, marker: string, body: string): Promise<StickyOutcome> {
  if (!body.startsWith(marker + '\n')) throw new InternalError('upsertSticky: the body must start with its marker line');
  const decision = decideSticky(await thread.listComments(), marker, body);
  let action: StickyOutcome['action'];
  let comment: IssueComment;
  if (decision.kind === 'unchanged') {
    action = 'unchanged';
    comment = decision.comment;
  } else if (decision.kind === 'update') {
    try {
      comment = await thread.updateComment(decision.comment.id, body);
      action = 'updated';
    } catch (error) {
      if (!(error instanceof GitHubError && error.details.status === 404)) throw error;
      comment = await thread.createComment(body);
      action = 'created';
    }
  } else {
    comment = await thread.createComment(body);
    action = 'created';
  }
  const deleted: number[] = [];
  const notDeleted: StickyOutcome['notDeleted'] = [];
  for (const duplicate of decision.remove) {
    try {
      await thread.deleteComment(duplicate.id);
      deleted.push(duplicate.id);
    } catch (error) {
      // Already gone is what we wanted.
      if (!(error instanceof GitHubError)) throw error;
      if (error.details.status === 404) deleted.push(duplicate.id);
      else notDeleted.push({ id: duplicate.id, reason: error.message });
    }
  }
  return { action, comment, deleted, notDeleted };
}
