/**
 * `connectorops comment` as a workflow runs it: the real CLI (`node bin/connectorops.js`, built
 * into dist/) posts plan files that the real CLI made in a temp git repository against a real local
 * target, to the GitHub stand-in (GITHUB_API_URL). The child runs asynchronously: the stand-in
 * answers from this process's event loop.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commentBody } from '../../src/github/body.js';
import { stickyMarker } from '../../src/github/sticky.js';
import { readPlanFile } from '../../src/planfile/file.js';
import { ACTIONS_BOT, ALICE, Bystander, GitHubStandIn, type StandInUser } from '../support/github-server.js';
import { runCli } from '../support/in-process-cli.js';
import { commitAll, writeFiles } from '../support/repo.js';
import { tempDir } from '../support/target.js';
import { ownTagsOnly, unmentionedAts } from '../support/markdown-checks.js';

const TOKEN = 'ghs_e2eTokenThatMustNeverBePrinted42';
const LIST = '/repos/acme/infra/issues/7/comments';

let tmp: ReturnType<typeof tempDir>;
let gh: GitHubStandIn;

beforeEach(async () => {
  tmp = tempDir('connectorops-comment-e2e-');
  gh = await GitHubStandIn.start();
  gh.addToken(TOKEN, ACTIONS_BOT).addPullRequest('acme/infra', 7);
});
afterEach(async () => {
  await gh.close();
  tmp.cleanup();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI (in this process) in the temp repo, with only the environment a workflow step would have. */
function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', CI: '1', GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.url };
  return runCli(args, { cwd: tmp.dir, env: { ...base, ...env } });
}

const CRM = (clientId = '1000.ABCDEF', name = 'Acme CRM') => `kind: Connector
linkName: crm
name: ${name}
description: CRM of the sales team
authentication:
  type: oauth2
  grantType: authorization_code
  clientId: ${clientId}
  clientSecret: { fromEnv: CRM_CLIENT_SECRET }
  authorizeUrl: https://accounts.acme.example/oauth/authorize
  accessTokenUrl: https://accounts.acme.example/oauth/token
  scopes: [contacts.read, contacts.write]
`;
const SALES = `kind: Connection
linkName: crm_sales
name: CRM (sales team)
connector: crm
scopes: [contacts.read]
`;
const SECRET = { CRM_CLIENT_SECRET: 'the-client-secret' };

/** Commits the manifests and writes `out` with the real `plan --out` against the local target. */
async function plan(files: Record<string, string>, out = 'plan.json'): Promise<void> {
  writeFiles(tmp.dir, { '.gitignore': '*.db*\n*.json\n*.md\n', ...files });
  commitAll(tmp.dir);
  const r = await cli(['plan', '--dir', tmp.dir, '--target', `local:${join(tmp.dir, 'state.db')}`, '--out', out], SECRET);
  expect([0, 2], r.stderr).toContain(r.code);
}

const posted = () => gh.comments('acme/infra', 7).filter((c) => c.body.startsWith('<!-- connectorops:plan'));

describe('connectorops comment', () => {
  it('creates the sticky comment, updates it after a push, and writes nothing for the same plan', async () => {
    await plan({ 'connectors/crm.yaml': CRM(), 'connections/crm_sales.yaml': SALES });
    const first = await cli(['comment', 'plan.json', '--pr', '7', '--repo', 'acme/infra']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const [stored] = posted();
    expect(first.stdout).toBe(`Created the plan comment on acme/infra#7: https://github.com/acme/infra/pull/7#issuecomment-${stored!.id}\n`);
    expect(gh.calls()).toEqual([`GET ${LIST}?per_page=100`, `POST ${LIST}`]);
    const planFile = await readPlanFile(join(tmp.dir, 'plan.json'));
    expect(stored!.body).toBe(commentBody(planFile).body);
    expect(stored!.body.split('\n')[0]).toBe(stickyMarker(planFile.target));
    expect(stored!.body).toContain(`Plan for commit ${planFile.source.commit}`);

    // A push: another plan, the same comment.
    await plan({ 'connectors/crm.yaml': CRM('1000.ABCDEF', 'Acme CRM (EU)'), 'connections/crm_sales.yaml': SALES });
    gh.clearRequests();
    const second = await cli(['comment', 'plan.json', '--pr', '7', '--repo', 'acme/infra']);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^Updated the plan comment on acme\/infra#7: /);
    expect(gh.calls()).toEqual([`GET ${LIST}?per_page=100`, `PATCH /repos/acme/infra/issues/comments/${stored!.id}`]);
    expect(posted()).toHaveLength(1);
    expect(posted()[0]!.body).toContain('Acme CRM \\(EU\\)');

    gh.clearRequests();
    const third = await cli(['comment', 'plan.json', '--pr', '7', '--repo', 'acme/infra']);
    expect(third.code).toBe(0);
    expect(third.stdout).toMatch(/^The plan comment is already up to date on acme\/infra#7: /);
    expect(gh.calls()).toEqual([`GET ${LIST}?per_page=100`]);
  });

  it('takes the repository from GITHUB_REPOSITORY and appends the whole plan to GITHUB_STEP_SUMMARY', async () => {
    await plan({ 'connectors/crm.yaml': CRM(), 'connections/crm_sales.yaml': SALES });
    const summary = join(tmp.dir, 'summary.md');
    writeFileSync(summary, '## earlier step\n\n');
    const r = await cli(['comment', 'plan.json', '--pr', '7'], { GITHUB_REPOSITORY: 'acme/infra', GITHUB_STEP_SUMMARY: summary });
    expect(r.code).toBe(0);
    expect(readFileSync(summary, 'utf8')).toBe(`## earlier step\n\n${posted()[0]!.body}\n`);
  });

  it('posts a plan too long for a comment as its summary, says so, and puts all of it in the job summary', async () => {
    await plan({ 'connectors/crm.yaml': CRM(), 'connections/crm_sales.yaml': SALES });
    const file = join(tmp.dir, 'plan.json');
    const huge = JSON.parse(readFileSync(file, 'utf8')) as { needsAuthorization: string[] };
    huge.needsAuthorization = Array.from({ length: 4000 }, (_, i) => `connection_with_a_rather_long_link_name_${i}`);
    writeFileSync(file, JSON.stringify(huge));
    const summary = join(tmp.dir, 'summary.md');
    const r = await cli(['comment', 'plan.json', '--pr', '7', '--repo', 'acme/infra'], { GITHUB_STEP_SUMMARY: summary });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('warning: the plan is longer than a GitHub comment holds; the comment shows its summary (the job summary has all of it)\n');
    const body = posted()[0]!.body;
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toContain('**Plan: 2 to create, 0 to update, 0 to delete.**');
    expect(body).toContain('**The detail of this plan is left out here**');
    const whole = readFileSync(summary, 'utf8');
    expect(whole.length).toBeGreaterThan(65_536);
    expect(whole).toContain('connection\\_with\\_a\\_rather\\_long\\_link\\_name\\_3999');
  });

  it('says what the pull request changes relative to the base plan', async () => {
    await plan({ 'connectors/crm.yaml': CRM() }, 'base.json');
    await plan({ 'connectors/crm.yaml': CRM(), 'connections/crm_sales.yaml': SALES });
    const r = await cli(['comment', 'plan.json', '--pr', '7', '--repo', 'acme/infra', '--base-plan', 'base.json']);
    expect(r.code, r.stderr).toBe(0);
    const body = posted()[0]!.body;
    expect(body).toContain("#### Compared with the base branch's plan");
    expect(body).toContain('**+1 action**');
    expect(body).toContain('- added: create connection crm\\_sales');
  });

  it('posts hostile names and accounts escaped', async () => {
    // A name the manifest rules allow, and an account that only the target holds.
    await plan({ 'connectors/crm.yaml': CRM('1000.ABCDEF', 'Team @org/team | *bold*'), 'connections/crm_sales.yaml': SALES });
    const db = `local:${join(tmp.dir, 'state.db')}`;
    expect((await cli(['apply', '--auto-approve', '--dir', tmp.dir, '--target', db], SECRET)).code).toBe(0);
    const account = '<img src=x onerror=alert(1)></details>';
    expect((await cli(['target', 'authorize', 'crm_sales', '--account', account, '--target', db])).code).toBe(0);
    await plan({ 'connectors/crm.yaml': CRM('1000.NEWCLIENT', 'Team @org/team | *bold*'), 'connections/crm_sales.yaml': SALES });
    expect((await readPlanFile(join(tmp.dir, 'plan.json'))).revokedAuthorizations[0]!.account).toBe(account);

    const r = await cli(['comment', 'plan.json', '--pr', '7', '--repo', 'acme/infra']);
    expect(r.code, r.stderr).toBe(0);
    const sent = (gh.requests.find((q) => q.method === 'POST')!.body as { body: string }).body;
    const visible = sent.split('\n').slice(1).join('\n');
    expect(visible).toContain('&lt;img src=x onerror=alert\\(1\\)&gt;&lt;/details&gt;');
    expect(visible).not.toContain('<img');
    expect(ownTagsOnly(visible)).toEqual([]);
    expect(unmentionedAts(visible)).toEqual([]);
    expect(visible.match(/<details>/g)?.length).toBe(visible.match(/<\/details>/g)?.length);
  });

  it('never prints the token: a refused token exits 1 with a hint', async () => {
    await plan({ 'connectors/crm.yaml': CRM() });
    const wrong = 'ghp_thisTokenIsWrongAndSecret0123456789';
    const r = await cli(['comment', 'plan.json', '--pr', '7', '--repo', 'acme/infra'], { GITHUB_TOKEN: wrong });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'Error: GITHUB_TOKEN was refused by GitHub (HTTP 401) when trying to list the comments on acme/infra#7\n' +
        '  hint: the token is invalid, expired or revoked; in a workflow, pass GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }} in env:\n',
    );
    expect(gh.requests.map((q) => q.authorization)).toEqual([`token ${wrong}`]);
    expect(r.stderr + r.stdout).not.toContain(wrong.slice(4));
  });

  it('a read-only token (a fork) exits 1 naming the permission, after writing the job summary', async () => {
    gh.addToken('ghs_readonlyTokenValue', ACTIONS_BOT, { write: false });
    await plan({ 'connectors/crm.yaml': CRM() });
    const summary = join(tmp.dir, 'summary.md');
    const r = await cli(['comment', 'plan.json', '--pr', '7', '--repo', 'acme/infra'], { GITHUB_TOKEN: 'ghs_readonlyTokenValue', GITHUB_STEP_SUMMARY: summary });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('(HTTP 403)');
    expect(r.stderr).toContain('permissions: pull-requests: write');
    expect(r.stderr).not.toContain('readonlyTokenValue');
    expect(readFileSync(summary, 'utf8')).toContain('### connectorops plan');
  });

  it('leaves the comments of others alone', async () => {
    const lgtm = gh.seed('acme/infra', 7, ALICE, 'LGTM');
    await plan({ 'connectors/crm.yaml': CRM() });
    expect((await cli(['comment', 'plan.json', '--pr', '7', '--repo', 'acme/infra'])).code).toBe(0);
    expect(gh.comments('acme/infra', 7).map((c) => [c.id, c.user.login])).toEqual([
      [lgtm.id, 'alice'],
      [expect.any(Number), 'github-actions[bot]'],
    ]);
  });

  it("does not take over a reader's comment that starts with the marker: it posts its own, and leaves theirs alone", async () => {
    await plan({ 'connectors/crm.yaml': CRM() });
    const target = JSON.parse(readFileSync(join(tmp.dir, 'plan.json'), 'utf8')) as { target: string };
    // Anyone may comment on a public repository, before the first plan comment too.
    const mallory: StandInUser = { login: 'mallory', id: 666, type: 'User', association: 'NONE' };
    const forged = gh.seed('acme/infra', 7, mallory, `${stickyMarker(target.target)}\nNo changes: approve.`);
    const r = await cli(['comment', 'plan.json', '--pr', '7', '--repo', 'acme/infra']);
    expect(r.code, r.stderr).toBe(0);
    expect(gh.comments('acme/infra', 7).map((c) => [c.id, c.user.login, c.body === forged.body])).toEqual([
      [forged.id, 'mallory', true],
      [expect.any(Number), 'github-actions[bot]', false],
    ]);
    // With a personal token, its owner's comment (a collaborator's) is still the sticky one.
    const PAT = 'ghp_personalTokenThatMustNeverBePrinted1';
    const dana: StandInUser = { login: 'dana', id: 77, type: 'User', association: 'COLLABORATOR' };
    gh.addToken(PAT, dana);
    const own = gh.seed('acme/infra', 8, dana, `${stickyMarker(target.target)}\nan older plan`);
    gh.addPullRequest('acme/infra', 8);
    expect((await cli(['comment', 'plan.json', '--pr', '8', '--repo', 'acme/infra'], { GITHUB_TOKEN: PAT })).code).toBe(0);
    expect(gh.comments('acme/infra', 8).map((c) => c.id)).toEqual([own.id]);
  });

  it('checks flags, environment and plan files before any request', async () => {
    await plan({ 'connectors/crm.yaml': CRM() });
    const cases: [string[], Record<string, string | undefined>, RegExp][] = [
      [['comment', 'plan.json', '--repo', 'acme/infra'], {}, /^Error: comment needs --pr N/],
      [['comment', '--pr', '7', '--repo', 'acme/infra'], {}, /^Error: comment needs the PLANFILE to post/],
      [['comment', 'plan.json', '--pr', 'seven', '--repo', 'acme/infra'], {}, /^Error: --pr takes a pull request number, not "seven"/],
      [
        ['comment', 'plan.json', '--pr', '7', '--repo', 'acme/infra'],
        { GITHUB_TOKEN: undefined },
        /^Error: GITHUB_TOKEN is not set[^\n]*\n {2}hint: in a workflow, add env: GITHUB_TOKEN/,
      ],
      [['comment', 'plan.json', '--pr', '7'], {}, /^Error: comment does not know the repository/],
      [['comment', 'plan.json', '--pr', '7', '--repo', 'acme'], {}, /^Error: --repo must be OWNER\/NAME/],
      [['comment', 'missing.json', '--pr', '7', '--repo', 'acme/infra'], {}, /^Error: cannot read plan file .*missing\.json: no such file/],
      [['comment', 'plan.json', '--pr', '7', '--repo', 'acme/infra', '--frobnicate'], {}, /^Error: unknown option '--frobnicate'\n/],
    ];
    for (const [args, env, stderr] of cases) {
      const r = await cli(args, env);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(stderr);
    }
    expect(gh.calls()).toEqual([]);
  });

  it('refuses a base plan of another target', async () => {
    await plan({ 'connectors/crm.yaml': CRM() });
    const other = JSON.parse(readFileSync(join(tmp.dir, 'plan.json'), 'utf8')) as { target: string };
    other.target = 'production';
    writeFileSync(join(tmp.dir, 'base.json'), JSON.stringify(other));
    const r = await cli(['comment', 'plan.json', '--pr', '7', '--repo', 'acme/infra', '--base-plan', 'base.json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: --base-plan was made against target "production", the plan against "local:/);
    expect(gh.calls()).toEqual([]);
  });

  it('is listed in the help', async () => {
    const r = await cli(['--help']);
    expect(r.stdout).toContain("comment     post the plan as a pull request's sticky comment (GitHub)");
    expect((await cli(['comment', '--help'])).stdout).toMatch(/^Usage: connectorops comment PLANFILE --pr N/);
  });
});

describe('connectorops comment keeps the token on the API origin (issue 13)', () => {
  let other: Bystander;
  beforeEach(async () => {
    other = await Bystander.start((res) => res.end('[]'));
  });
  afterEach(async () => {
    await other.close();
  });

  it('refuses a pagination link to another origin before sending anything there', async () => {
    await plan({ 'connectors/crm.yaml': CRM() });
    gh.fail({ method: 'GET', path: /comments$/, status: 200, body: [], headers: { link: `<${other.url}/steal?page=2&x=${'a'.repeat(300)}>; rel="next"` } });
    const r = await cli(['comment', 'plan.json', '--pr', '7', '--repo', 'acme/infra']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `Error: connectorops stopped trying to list the comments on acme/infra#7: it was asked to follow a link to "${other.url}/steal", outside ${gh.url}; nothing was sent there\n` +
        '  hint: GitHub only links within its own API; check GITHUB_API_URL and the proxy in front of it\n',
    );
    expect(other.requests).toEqual([]);
    expect(posted()).toEqual([]);
  });

  it('takes a 3xx as an error naming where it pointed, and does not follow it', async () => {
    await plan({ 'connectors/crm.yaml': CRM() });
    gh.fail({ method: 'GET', path: /comments$/, status: 302, headers: { location: `${other.url}/moved` } });
    const r = await cli(['comment', 'plan.json', '--pr', '7', '--repo', 'acme/infra']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^Error: connectorops stopped trying to list the comments on acme/infra#7: GitHub answered HTTP 302, a redirect to "${other.url}/moved", which is not followed\\n`,
      ),
    );
    expect(r.stdout).toBe('');
    expect(other.requests).toEqual([]);
  });

  it('refuses a non-HTTPS GITHUB_API_URL that is not this machine, before any request', async () => {
    await plan({ 'connectors/crm.yaml': CRM() });
    const r = await cli(['comment', 'plan.json', '--pr', '7', '--repo', 'acme/infra'], { GITHUB_API_URL: 'http://github.example.com/api/v3' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: GITHUB_API_URL must be https:\/\/ \(the token would travel in clear text\), not "http:\/\/github\.example\.com\/api\/v3"\n/);
    expect(r.stderr).not.toContain(TOKEN);
    expect(gh.calls()).toEqual([]);
  });

  it('gives up on a GitHub that never answers, after the timeout', async () => {
    await plan({ 'connectors/crm.yaml': CRM() });
    const silent = await Bystander.start();
    try {
      const r = await cli(['comment', 'plan.json', '--pr', '7', '--repo', 'acme/infra'], { GITHUB_API_URL: silent.url, CONNECTOROPS_GITHUB_TIMEOUT: '1' });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^Error: GitHub at ${silent.url} did not answer within 1s when trying to list the comments on acme/infra#7\\n  hint: `));
      // A timeout is not retried (at most the one request, if it got there before the deadline).
      expect(silent.requests.length).toBeLessThanOrEqual(1);
    } finally {
      await silent.close();
    }
  });

  it('takes a 200 whose body is not JSON as a clear error', async () => {
    await plan({ 'connectors/crm.yaml': CRM() });
    gh.fail({ method: 'GET', path: /comments$/, status: 200, raw: { contentType: 'text/html', text: '<html>Sign in</html>' } });
    const r = await cli(['comment', 'plan.json', '--pr', '7', '--repo', 'acme/infra']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^Error: connectorops stopped trying to list the comments on acme\/infra#7: GitHub answered HTTP 200 with a body that is not JSON\n {2}hint: check GITHUB_API_URL/,
    );
    expect(r.stderr).not.toContain('Internal error');
  });

  it('does not claim that a job summary cut at 1 MB has all of the plan', async () => {
    await plan({ 'connectors/crm.yaml': CRM(), 'connections/crm_sales.yaml': SALES });
    const file = join(tmp.dir, 'plan.json');
    const huge = JSON.parse(readFileSync(file, 'utf8')) as { needsAuthorization: string[] };
    huge.needsAuthorization = Array.from({ length: 20_000 }, (_, i) => `connection_with_a_rather_long_link_name_${i}`);
    writeFileSync(file, JSON.stringify(huge));
    const summary = join(tmp.dir, 'summary.md');
    const r = await cli(['comment', 'plan.json', '--pr', '7', '--repo', 'acme/infra'], { GITHUB_STEP_SUMMARY: summary });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(
      'warning: the plan is longer than a GitHub comment holds; the comment shows its summary (the job summary is cut short too: the plan file has all of it)\n',
    );
    expect(Buffer.byteLength(readFileSync(summary, 'utf8'))).toBeLessThanOrEqual(1_000_000 + 2);
  });
});
