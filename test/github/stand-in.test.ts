/**
 * The GitHub stand-in refuses what GitHub refuses: requests sent through octokit (our own client,
 * createGitHubClient, with its retry and throttling plugins) that GitHub's OpenAPI description
 * (`@octokit/openapi`) does not allow get GitHub's answer (422 "Validation Failed" with its
 * errors, 404 for a route GitHub does not have), change nothing, and are recorded; `close()`
 * fails while such a refusal is left unclaimed, which is how every other GitHub test asserts that
 * our code sent none. Its own answers are checked against the description's response schemas.
 */
import fc from 'fast-check';
import { RequestError } from 'octokit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../src/github/octokit.js';
import { GitHubDescription } from '../support/github-openapi.js';
import { ACTIONS_BOT, GitHubStandIn } from '../support/github-server.js';

const TOKEN = 'ghs_standInToken0123456789';
const REPO = { owner: 'acme', repo: 'infra' };

let gh: GitHubStandIn;

beforeEach(async () => {
  gh = await GitHubStandIn.start();
  gh.addToken(TOKEN, ACTIONS_BOT);
});
afterEach(() => gh.close());

/**
 * A new client per write: octokit's throttling plugin spaces writes that notify people (issues,
 * comments) three seconds apart per client, which is GitHub's advice, not what these tests check.
 */
const client = (baseUrl = gh.url) => createGitHubClient({ token: TOKEN, baseUrl, log: () => {}, msPerSecond: 0 });

/** The RequestError octokit throws for `request`, with GitHub's answer. */
async function refusal(request: Promise<unknown>): Promise<{ status: number; data: { message: string; errors?: { resource: string; field: string; code: string }[] } }> {
  const error = await request.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RequestError);
  const { status, response } = error as RequestError;
  return { status, data: response!.data as never };
}

describe('the GitHub stand-in, checked against GitHub’s OpenAPI description', () => {
  it('accepts what GitHub accepts, and answers with what the description requires', async () => {
    const created = await client().rest.issues.create({ ...REPO, title: 'Drift', body: 'text', labels: ['drift', { name: 'ops' }] });
    expect(created.status).toBe(201);
    expect(created.data.user?.login).toBe(ACTIONS_BOT.login);
    expect(created.data.labels.map((l) => (typeof l === 'string' ? l : l.name))).toEqual(['drift', 'ops']);
    await client().rest.issues.update({ ...REPO, issue_number: created.data.number, state: 'closed', title: null });
    const listed = await client().rest.issues.listForRepo({ ...REPO, labels: 'drift', state: 'all', per_page: 100 });
    expect(listed.data.map((i) => [i.title, i.state, i.closed_at !== null])).toEqual([['Drift', 'closed', true]]);
    expect(gh.refused).toEqual([]);
    expect(gh.unlikeGitHub).toEqual([]);
  });

  it('refuses a label list of the wrong type: 422 Validation Failed naming the field, and no issue', async () => {
    const answer = await refusal(client().rest.issues.create({ ...REPO, title: 'Drift', labels: 'drift' as never }));
    expect(answer.status).toBe(422);
    expect(answer.data.message).toBe('Validation Failed');
    expect(answer.data.errors).toEqual([expect.objectContaining({ resource: 'Issue', field: 'labels', code: 'invalid' })]);
    expect(gh.issues('acme/infra')).toEqual([]);
    expect(gh.takeRefused()).toEqual([{ method: 'POST', path: '/repos/acme/infra/issues', status: 422, problems: ['labels must be array'] }]);
  });

  it('refuses an issue without its required title: missing_field', async () => {
    const answer = await refusal(client().rest.issues.create({ ...REPO, body: 'no title' } as never));
    expect(answer.status).toBe(422);
    expect(answer.data.errors).toEqual([{ resource: 'Issue', field: 'title', code: 'missing_field', message: "title wasn't supplied" }]);
    expect(gh.issues('acme/infra')).toEqual([]);
    expect(gh.takeRefused()).toHaveLength(1);
  });

  it('refuses a field of a type GitHub does not know (a title that is an object, a state "merged"), and changes nothing', async () => {
    const { data: issue } = await client().rest.issues.create({ ...REPO, title: 'Kept' });
    const answer = await refusal(client().rest.issues.update({ ...REPO, issue_number: issue.number, title: { text: 'x' } as never, state: 'merged' as never }));
    expect(answer.status).toBe(422);
    expect(answer.data.errors?.map((e) => [e.field, e.code])).toEqual([
      ['title', 'invalid'],
      ['state', 'invalid'],
    ]);
    expect(gh.issues('acme/infra').map((i) => [i.title, i.state])).toEqual([['Kept', 'open']]);
    expect(gh.takeRefused()).toHaveLength(1);
  });

  it('refuses a query parameter the operation does not allow (state=merged) with 422', async () => {
    const answer = await refusal(client().rest.issues.listForRepo({ ...REPO, state: 'merged' as never }));
    expect(answer.status).toBe(422);
    expect(answer.data.errors).toEqual([expect.objectContaining({ field: 'state', code: 'invalid' })]);
    expect(gh.takeRefused()).toHaveLength(1);
  });

  it('answers 404 for a route GitHub does not have, and for a path parameter of the wrong type', async () => {
    const octokit = client();
    expect((await refusal(octokit.request('GET /repos/{owner}/{repo}/issuez', REPO))).status).toBe(404);
    expect((await refusal(octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', { ...REPO, issue_number: 'seven' as never }))).status).toBe(404);
    expect(gh.takeRefused().map((r) => [r.status, r.problems[0]])).toEqual([
      [404, 'GitHub has no route GET /repos/acme/infra/issuez'],
      [404, 'GET /repos/acme/infra/issues/seven: issue_number must be integer'],
    ]);
  });

  it('refuses every label list that is not an array, whatever it is', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.dictionary(fc.string(), fc.string()), fc.constant(null)), async (labels) => {
        const answer = await refusal(client().rest.issues.create({ ...REPO, title: 't', labels: labels as never }));
        expect(answer.status).toBe(422);
        expect(gh.takeRefused()).toHaveLength(1);
      }),
      { numRuns: 25 },
    );
    expect(gh.issues('acme/infra')).toEqual([]);
  });

  it('fails at close while a refused request is left unclaimed, so no test passes over one', async () => {
    const other = await GitHubStandIn.start();
    other.addToken(TOKEN, ACTIONS_BOT);
    await refusal(client(other.url).rest.issues.create({ ...REPO, body: 'no title' } as never));
    await expect(other.close()).rejects.toThrow(/GitHub would refuse POST \/repos\/acme\/infra\/issues \(HTTP 422\): title wasn't supplied/);
  });

  it('knows an answer GitHub would never give: an issue without its required fields', () => {
    const problems = GitHubDescription.load().checkResponse('issues/get', 200, { id: 1, number: 1, title: 't' });
    expect(problems).toEqual([expect.stringMatching(/^issues\/get 200: body must have required property '\w+'$/)]);
  });
});
