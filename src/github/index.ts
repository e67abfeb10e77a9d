/**
 * GitHub: the sticky plan comment of a pull request (docs/github.md). The CLI's `comment` command
 * wires these together; each piece is usable on its own.
 */
export type { CommentAuthor, IssueComment, PullRequestThread } from './thread.js';
export { createOctokitThread, MAX_RETRIES, MAX_RATE_LIMIT_WAIT_SECONDS, type OctokitThreadOptions } from './octokit.js';
export { GitHubError, toGitHubError } from './errors.js';
export { decideSticky, isMarked, stickyMarker, upsertSticky, type StickyDecision, type StickyOutcome } from './sticky.js';
export { commentBody, GITHUB_COMMENT_LIMIT, JOB_SUMMARY_LIMIT_BYTES, type CommentBody, type CommentBodyOptions } from './body.js';
export { comparePlans, comparisonLine, comparisonMarkdown, isSameOutcome, type PlanComparison } from './compare.js';
export { appendJobSummary, DEFAULT_GITHUB_API_URL, parsePullNumber, parseRepository, resolveGitHubContext, type GitHubContext } from './context.js';
