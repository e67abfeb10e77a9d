/**
 * The sticky comment through the real octokit adapter (with its retry and throttling plugins)
 * against the GitHub stand-in: the exact sequence of calls for each situation, retries, and what
 * errors say. `msPerSecond: 0` keeps GitHub's waits (Retry-After, backoff) out of the test's time
 * while the plugins' retry paths run for real.
 */
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commentBody } from '../../src/github/body.js';
import { GitHubError } from '../../src/github/errors.js';
import { createOctokitThread } from '../../src/github/octokit.js';
import { stickyMarker, upsertSticky, type StickyOutcome } from '../../src/github/sticky.js';
import type { Plan } from '../../src/model/plan.js';
import { ACTIONS_BOT, ALICE, GitHubStandIn, OTHER_BOT } from '../support/github-server.js';
import { createPlan, hostilePlan, HOSTILE, makePlan, rotationPlan } from '../support/plans.js';
import { ownTagsOnly, unmentionedAts } from '../support/markdown-checks.js';

const TOKEN = 'ghs_s3cr3tT0kenValue0123456789';
const REPO = 'acme/infra';
const LIST = '/repos/acme/infra/issues/7/comments';
const LIST_PAGE_1 = `${LIST}?per_page=100`;

let gh: GitHubStandIn;
let logs: string[];

beforeEach(async () => {
  gh = await GitHubStandIn.start();
  gh.addToken(TOKEN, ACTIONS_BOT).addPullRequest(REPO, 7);
  logs = [];
});
afterEach(() => gh.close());

function thread(options: { token?: string; pullNumber?: number; baseUrl?: string } = {}) {
  return createOctokitThread({
    token: options.token ?? TOKEN,
    baseUrl: options.baseUrl ?? gh.url,
    owner: 'acme',
    repo: 'infra',
    pullNumber: options.pullNumber ?? 7,
    log: (line) => logs.push(line),
    msPerSecond: 0,
  });
}

/** What `connectorops comment` does, minus argv: build the body, then make it sticky. */
async function post(plan: Plan, options: { basePlan?: Plan } = {}): Promise<StickyOutcome> {
  const built = commentBody(plan, options);
  return upsertSticky(thread(), built.marker, built.body);
}

const ours = () => gh.comments(REPO, 7).filter((c) => c.body.startsWith('<!-- connectorops:plan'));
const comment = (id: number) => `/repos/acme/infra/issues/comments/${id}`;

describe('the sticky comment', () => {
  it('is created on the first run: one list, one POST', async () => {
    const out = await post(createPlan());
    expect(out.action).toBe('created');
    expect(gh.calls()).toEqual([`GET ${LIST_PAGE_1}`, `POST ${LIST}`]);
    const [stored] = gh.comments(REPO, 7);
    expect(stored!.body).toBe(commentBody(createPlan()).body);
    expect(stored!.user).toEqual(ACTIONS_BOT);
    expect(out.comment.htmlUrl).toBe(`https://github.com/acme/infra/pull/7#issuecomment-${stored!.id}`);
    // The token goes in the Authorization header and nowhere else.
    for (const r of gh.requests) {
      expect(r.authorization).toBe(`token ${TOKEN}`);
      expect(JSON.stringify(r.body ?? '')).not.toContain(TOKEN);
      expect(r.path).not.toContain(TOKEN);
    }
  });

  it('is updated in place when the plan changes: the same comment, PATCHed', async () => {
    const first = await post(createPlan());
    gh.clearRequests();
    const second = await post(rotationPlan());
    expect(second.action).toBe('updated');
    expect(second.comment.id).toBe(first.comment.id);
    expect(gh.calls()).toEqual([`GET ${LIST_PAGE_1}`, `PATCH ${comment(first.comment.id)}`]);
    expect(gh.requests[1]!.body).toEqual({ body: commentBody(rotationPlan()).body });
    expect(ours()).toHaveLength(1);
  });

  it('costs no write when the plan is the same', async () => {
    await post(createPlan());
    gh.clearRequests();
    const again = await post(createPlan());
    expect(again.action).toBe('unchanged');
    expect(gh.calls()).toEqual([`GET ${LIST_PAGE_1}`]);
  });

  it("leaves other people's and other bots' comments alone, even one that pasted our marker", async () => {
    const lgtm = gh.seed(REPO, 7, ALICE, 'LGTM');
    const bump = gh.seed(REPO, 7, OTHER_BOT, 'Bumps yaml from 2.8 to 2.9');
    const first = await post(createPlan());
    const quote = gh.seed(REPO, 7, ALICE, `> ${stickyMarker(createPlan().target)}\n> quoted plan`);
    const pasted = gh.seed(REPO, 7, ALICE, `${stickyMarker(createPlan().target)}\nI pasted the plan here`);
    gh.clearRequests();

    await post(rotationPlan());
    expect(gh.calls()).toEqual([`GET ${LIST_PAGE_1}`, `PATCH ${comment(first.comment.id)}`]);
    const bodies = new Map(gh.comments(REPO, 7).map((c) => [c.id, c.body]));
    expect(bodies.get(lgtm.id)).toBe('LGTM');
    expect(bodies.get(bump.id)).toBe('Bumps yaml from 2.8 to 2.9');
    expect(bodies.get(quote.id)).toBe(quote.body);
    expect(bodies.get(pasted.id)).toBe(pasted.body);
  });

  it('is found on page 2 of a long conversation (150 comments) and updated', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 150; i++) {
      if (i === 120) ids.push(gh.seed(REPO, 7, ACTIONS_BOT, commentBody(createPlan()).body).id);
      else gh.seed(REPO, 7, i % 2 ? ALICE : OTHER_BOT, `comment ${i}`);
    }
    const out = await post(rotationPlan());
    expect(out).toMatchObject({ action: 'updated', deleted: [] });
    expect(gh.calls()).toEqual([`GET ${LIST_PAGE_1}`, `GET ${LIST}?per_page=100&page=2`, `PATCH ${comment(ids[0]!)}`]);
    expect(gh.comments(REPO, 7)).toHaveLength(150);
  });

  it('keeps the newest of several copies (a race) and deletes the older ones, oldest first', async () => {
    const body = commentBody(createPlan()).body;
    const a = gh.seed(REPO, 7, ACTIONS_BOT, body);
    const pasted = gh.seed(REPO, 7, ALICE, body);
    const b = gh.seed(REPO, 7, ACTIONS_BOT, body);
    const c = gh.seed(REPO, 7, ACTIONS_BOT, body);
    const out = await post(rotationPlan());
    expect(out).toMatchObject({ action: 'updated', deleted: [a.id, b.id], notDeleted: [] });
    expect(out.comment.id).toBe(c.id);
    expect(gh.calls()).toEqual([`GET ${LIST_PAGE_1}`, `PATCH ${comment(c.id)}`, `DELETE ${comment(a.id)}`, `DELETE ${comment(b.id)}`]);
    expect(gh.comments(REPO, 7).map((x) => x.id)).toEqual([pasted.id, c.id]);
  });

  it('deletes duplicates even when the newest is up to date, and reports one it may not delete', async () => {
    const body = commentBody(createPlan()).body;
    const a = gh.seed(REPO, 7, ACTIONS_BOT, body);
    const b = gh.seed(REPO, 7, ACTIONS_BOT, body);
    gh.fail({ method: 'DELETE', status: 403, body: { message: 'Resource not accessible by integration' } });
    const out = await post(createPlan());
    expect(out.action).toBe('unchanged');
    expect(out.comment.id).toBe(b.id);
    expect(out.deleted).toEqual([]);
    expect(out.notDeleted).toEqual([{ id: a.id, reason: expect.stringContaining('HTTP 403') }]);
    expect(gh.calls()).toEqual([`GET ${LIST_PAGE_1}`, `DELETE ${comment(a.id)}`]);
  });

  it('is one per target: two targets make two comments, each updated on its own', async () => {
    const production = makePlan({ ...createPlan(), target: 'production' });
    const staging = makePlan({ ...createPlan(), target: 'staging' });
    await post(production);
    await post(staging);
    expect(ours().map((c) => c.body.split('\n')[0])).toEqual([stickyMarker('production'), stickyMarker('staging')]);
    gh.clearRequests();
    const [prodId, stagingId] = ours().map((c) => c.id);
    await post({ ...rotationPlan(), target: 'staging' });
    expect(gh.calls()).toEqual([`GET ${LIST_PAGE_1}`, `PATCH ${comment(stagingId!)}`]);
    expect(ours().find((c) => c.id === prodId)!.body).toBe(commentBody(production).body);
  });

  it('is created again when it was deleted between the list and the update', async () => {
    const old = gh.seed(REPO, 7, ACTIONS_BOT, commentBody(createPlan()).body);
    gh.fail({ method: 'PATCH', status: 404, body: { message: 'Not Found' } });
    const out = await post(rotationPlan());
    expect(out.action).toBe('created');
    expect(gh.calls()).toEqual([`GET ${LIST_PAGE_1}`, `PATCH ${comment(old.id)}`, `POST ${LIST}`]);
  });

  it('posts hostile strings escaped: no HTML, no mention, no early </details>', async () => {
    await post(hostilePlan(), { basePlan: makePlan() });
    const posted = (gh.requests.find((r) => r.method === 'POST')!.body as { body: string }).body;
    const visible = posted.split('\n').slice(1).join('\n');
    expect(visible).not.toContain(HOSTILE.html);
    expect(visible).not.toContain('<img');
    expect(visible).toContain('&lt;img src=x onerror=alert\\(1\\)&gt;');
    expect(ownTagsOnly(visible)).toEqual([]);
    expect(unmentionedAts(visible)).toEqual([]);
    expect(visible.match(/<details>/g)?.length).toBe(visible.match(/<\/details>/g)?.length);
  });

  it('posts a huge plan within the limit (the stand-in refuses more, as GitHub does)', async () => {
    const big = makePlan({ ...createPlan(), actions: [], needsAuthorization: Array.from({ length: 3000 }, (_, i) => `connection_with_a_long_name_${i}`) });
    expect(commentBody(big).truncated).toBe(true);
    const out = await post(big);
    expect(out.action).toBe('created');
    expect(ours()[0]!.body.length).toBeLessThanOrEqual(65_536);
  });
});

describe('retries', () => {
  it('retries a secondary rate limit and says so on the log', async () => {
    gh.secondaryRateLimit('POST');
    const out = await post(createPlan());
    expect(out.action).toBe('created');
    expect(gh.calls()).toEqual([`GET ${LIST_PAGE_1}`, `POST ${LIST}`, `POST ${LIST}`]);
    expect(ours()).toHaveLength(1);
    expect(logs).toEqual([
      expect.stringMatching(/^GitHub secondary rate limit on POST \/repos\/\{owner\}\/\{repo\}\/issues\/\{issue_number\}\/comments; retrying in \d+s \(retry 1 of 2\)$/),
    ]);
  });

  it('retries a primary rate limit that resets soon', async () => {
    gh.fail({
      method: 'GET',
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 5) },
      body: { message: 'API rate limit exceeded for installation ID 1.' },
    });
    await post(createPlan());
    expect(gh.calls()).toEqual([`GET ${LIST_PAGE_1}`, `GET ${LIST_PAGE_1}`, `POST ${LIST}`]);
    expect(logs).toEqual([expect.stringContaining('GitHub rate limit exhausted on GET')]);
  });

  it('does not wait an hour for a primary rate limit: it fails and says why', async () => {
    gh.fail({
      method: 'GET',
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600) },
      body: { message: 'API rate limit exceeded for installation ID 1.' },
    });
    const error = await post(createPlan()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubError);
    expect((error as GitHubError).message).toMatch(/^GitHub's rate limit stopped connectorops from trying to list the comments on acme\/infra#7 \(HTTP 403\)/);
    expect(gh.calls()).toEqual([`GET ${LIST_PAGE_1}`]);
    expect(logs[0]).toMatch(/too long to wait$/);
  });

  it('retries a server error, twice at most', async () => {
    gh.fail({ method: 'GET', status: 500 });
    await post(createPlan());
    expect(gh.calls()).toEqual([`GET ${LIST_PAGE_1}`, `GET ${LIST_PAGE_1}`, `POST ${LIST}`]);

    gh.clearRequests();
    gh.fail({ method: 'GET', status: 502, times: 3, body: { message: 'Server Error' } });
    const error = await post(rotationPlan()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubError);
    expect((error as GitHubError).details.status).toBe(502);
    expect((error as GitHubError).message).toBe('GitHub failed to list the comments on acme/infra#7 (HTTP 502): GitHub says "Server Error", after retrying');
    expect(gh.calls()).toEqual(Array(3).fill(`GET ${LIST_PAGE_1}`));
  });
});

describe('errors, in words, without the token', () => {
  const expectNoToken = (error: unknown, token = TOKEN) => {
    const e = error as GitHubError;
    for (const text of [e.message, e.details.hint ?? '', e.stack ?? '', JSON.stringify(e), inspect(e.details.cause ?? '')]) expect(text).not.toContain(token);
  };

  it('401: GITHUB_TOKEN was refused', async () => {
    const bad = 'ghp_wrongwrongwrongwrong0123456789';
    const error = await thread({ token: bad })
      .listComments()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubError);
    expect((error as GitHubError).details.status).toBe(401);
    expect((error as GitHubError).message).toBe('GITHUB_TOKEN was refused by GitHub (HTTP 401) when trying to list the comments on acme/infra#7');
    expect(gh.calls()).toEqual([`GET ${LIST_PAGE_1}`]);
    expectNoToken(error, bad);
  });

  it('403 on write: the permission the workflow needs', async () => {
    gh.addToken('ghs_readonlyreadonly', ACTIONS_BOT, { write: false });
    const error = await thread({ token: 'ghs_readonlyreadonly' })
      .createComment('x')
      .catch((e: unknown) => e);
    expect((error as GitHubError).details.status).toBe(403);
    expect((error as GitHubError).message).toBe(
      'GitHub refused to let the token create a comment on acme/infra#7 (HTTP 403): GitHub says "Resource not accessible by integration"',
    );
    expect((error as GitHubError).details.hint).toContain('permissions: pull-requests: write');
    expectNoToken(error, 'ghs_readonlyreadonly');
  });

  it('404: the repository or pull request', async () => {
    const error = await thread({ pullNumber: 8 })
      .listComments()
      .catch((e: unknown) => e);
    expect((error as GitHubError).details.status).toBe(404);
    expect((error as GitHubError).message).toBe('GitHub found no repository acme/infra with pull request #8 (HTTP 404) when trying to list the comments');
    expect((error as GitHubError).details.hint).toContain('--repo');
  });

  it('422: what GitHub rejected, never the body we sent', async () => {
    const error = await thread()
      .createComment(`${'x'.repeat(70_000)}${TOKEN}`)
      .catch((e: unknown) => e);
    expect((error as GitHubError).details.status).toBe(422);
    expect((error as GitHubError).message).toBe(
      'GitHub rejected the request to create a comment on acme/infra#7 (HTTP 422): GitHub says "Validation Failed: body is too long (maximum is 65536 characters)"',
    );
    expect((error as GitHubError).message).not.toContain('xxx');
    expectNoToken(error);
  });

  it('a server that echoes the token has it scrubbed', async () => {
    gh.fail({ method: 'GET', status: 403, body: { message: `token ${TOKEN} lacks scope` } });
    const error = await thread()
      .listComments()
      .catch((e: unknown) => e);
    expect((error as GitHubError).message).toContain('token (sensitive) lacks scope');
    expectNoToken(error);
  });

  it('an unreachable API: could not reach, after retrying', async () => {
    const closed = await GitHubStandIn.start();
    const url = closed.url;
    await closed.close();
    const error = await thread({ baseUrl: url })
      .listComments()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubError);
    expect((error as GitHubError).message).toMatch(new RegExp(`^could not reach GitHub at ${url} to list the comments on acme/infra#7: `));
    expect((error as GitHubError).details.hint).toContain('GITHUB_API_URL');
    expectNoToken(error);
  });
});
