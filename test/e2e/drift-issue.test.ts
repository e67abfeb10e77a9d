/**
 * `connectorops drift --repo` through the real CLI against the GitHub REST stand-in on loopback: the
 * one drift issue opened, updated in place, commented once when the findings change, closed with
 * a comment when clean, left alone while clean, reopened when drift returns; a token that may not
 * write issues (403) is a clear error; the token goes to the API origin and nowhere else.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DRIFT_LABEL, driftMarker, recordedKeys } from '../../src/github/drift-issue.js';
import { cli as inProcess, runCli } from '../support/in-process-cli.js';
import { CRM_API_KEY, crmConnection, delugeCalling } from '../support/manifests.js';
import { ACTIONS_BOT, Bystander, GitHubStandIn } from '../support/github-server.js';
import { cleanRepos, commitAll, tempRepo, writeFiles } from '../support/repo.js';
import { ownTagsOnly, unmentionedAts } from '../support/markdown-checks.js';

const TOKEN = 'ghs_driftTokenThatMustNeverBePrinted9';
const READ_ONLY = 'ghs_driftReadOnlyTokenNeverPrinted3';
const REPO = 'acme/infra';
const TARGET = 'local:acct.db';
const ISSUES = '/repos/acme/infra/issues';

let gh: GitHubStandIn;
let dir: string;

beforeEach(async () => {
  gh = await GitHubStandIn.start();
  gh.addToken(TOKEN, ACTIONS_BOT).addToken(READ_ONLY, ACTIONS_BOT, { write: false });
  dir = tempRepo({ 'connectors/crm.yaml': CRM_API_KEY, 'connections/crm_sales.yaml': crmConnection('crm_sales'), '.gitignore': '*.db*\n' });
  commitAll(dir);
  const applied = await inProcess(['apply', '--auto-approve', '--target', TARGET], { cwd: dir, env: { CI: '1' } });
  expect(applied.code, applied.stderr).toBe(0);
});
afterEach(async () => {
  await gh.close();
  cleanRepos();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `connectorops drift --repo` (in this process) in the repository, with only the environment a workflow step would have. */
async function drift(env: Record<string, string> = {}, target = TARGET): Promise<Run> {
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', CI: '1', GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.url };
  const r = await runCli(['drift', '--target', target, '--repo', REPO, '--format', 'markdown'], { cwd: dir, env: { ...base, ...env } });
  for (const secret of [TOKEN, READ_ONLY]) expect(r.stdout + r.stderr).not.toContain(secret);
  return r;
}

/** The calls since the last look, then forgets them. */
function calls(): string[] {
  const out = gh.calls();
  gh.clearRequests();
  return out;
}

const LIST = `GET ${ISSUES}?labels=${encodeURIComponent(DRIFT_LABEL)}&state=all&per_page=100`;
const only = () => {
  const issues = gh.issues(REPO);
  expect(issues).toHaveLength(1);
  return issues[0]!;
};
const comments = () => gh.comments(REPO, 1).map((c) => c.body);

describe('connectorops drift --repo', () => {
  it('opens one issue, updates it in place, comments once when the findings change, closes it when clean, reopens it when drift returns', async () => {
    // Clean, and no issue: nothing is written.
    const clean = await drift();
    expect(clean.code, clean.stderr).toBe(0);
    expect(calls()).toEqual([LIST]);
    expect(gh.issues(REPO)).toEqual([]);

    // Drift: a merged change nobody applied opens the issue.
    writeFiles(dir, { 'connections/billing.yaml': crmConnection('billing') });
    const opened = await drift();
    expect(opened.code, opened.stderr).toBe(2);
    expect(opened.stderr).toContain(`Opened the drift issue ${REPO}#1: https://github.com/acme/infra/issues/1`);
    expect(calls()).toEqual([LIST, `POST ${ISSUES}`]);
    let issue = only();
    expect(issue).toMatchObject({ title: `Drift on ${TARGET}: 1 finding`, state: 'open', labels: [DRIFT_LABEL] });
    expect(issue.body.split('\n')[0]).toBe(driftMarker(TARGET));
    expect(recordedKeys(issue.body)).toEqual(['not-rolled-out:connection.create billing']);
    expect(issue.body).toContain('#### 1. Not rolled out: 1 change in the manifests is not on target "local:acct\\.db", and no rollout is open');
    expect(issue.body).toContain('```text\nconnectorops plan --target local:acct.db\nconnectorops apply --target local:acct.db\n```');

    // The same findings: the body is updated in place (its check time), no comment, no second issue.
    const same = await drift();
    expect(same.code).toBe(2);
    expect(same.stderr).toContain(`Updated the drift issue ${REPO}#1`);
    expect(calls()).toEqual([LIST, `PATCH ${ISSUES}/1`]);
    expect(comments()).toEqual([]);

    // A connection made by hand shows up in code: the findings changed, one comment says what is new.
    writeFiles(dir, { 'apps/order-desk.ds': delugeCalling('hand_made', 'Order Desk @ops') });
    const changed = await drift();
    expect(changed.code).toBe(2);
    expect(changed.stderr).toContain('(the findings changed: commented)');
    expect(calls()).toEqual([LIST, `PATCH ${ISSUES}/1`, `POST ${ISSUES}/1/comments`]);
    issue = only();
    expect(issue.title).toBe(`Drift on ${TARGET}: 2 findings`);
    expect(recordedKeys(issue.body)).toEqual(['not-rolled-out:connection.create billing', 'unknown-connection:hand_made']);
    expect(comments()).toHaveLength(1);
    expect(comments()[0]).toContain('**The findings changed**');
    expect(comments()[0]).toContain('- Connection unknown to Git and the ledger: code calls connection "hand\\_made"');
    // User strings are escaped: the application's "@ops" notifies nobody, and only our marker is HTML.
    expect(unmentionedAts(issue.body)).toEqual([]);
    expect(ownTagsOnly(issue.body).filter((t) => !t.startsWith('<!-- connectorops:'))).toEqual([]);
    await drift();
    expect(comments()).toHaveLength(1);
    calls();

    // One finding gone: a second comment, which says so.
    rmSync(join(dir, 'apps/order-desk.ds'));
    await drift();
    expect(comments()).toHaveLength(2);
    expect(comments()[1]).toContain('Gone: 1 finding of the last check no longer holds.');
    calls();

    // Clean: one comment, then closed.
    rmSync(join(dir, 'connections/billing.yaml'));
    const gone = await drift();
    expect(gone.code, gone.stderr).toBe(0);
    expect(gone.stderr).toContain(`No drift any more: closed the drift issue ${REPO}#1: https://github.com/acme/infra/issues/1`);
    expect(calls()).toEqual([LIST, `POST ${ISSUES}/1/comments`, `PATCH ${ISSUES}/1`]);
    expect(only()).toMatchObject({ state: 'closed', title: `No drift on ${TARGET}` });
    expect(comments()[2]).toContain('**No drift any more**');

    // Still clean: nothing written.
    expect((await drift()).code).toBe(0);
    expect(calls()).toEqual([LIST]);

    // Drift returns: the same issue is reopened, with one comment.
    writeFiles(dir, { 'connections/billing.yaml': crmConnection('billing') });
    const back = await drift();
    expect(back.code).toBe(2);
    expect(back.stderr).toContain(`Reopened the drift issue ${REPO}#1`);
    expect(calls()).toEqual([LIST, `PATCH ${ISSUES}/1`, `POST ${ISSUES}/1/comments`]);
    expect(only().state).toBe('open');
    expect(comments()).toHaveLength(4);
    expect(comments()[3]).toContain('**Drift is back**');
  });

  it("a reader's issue carrying the marker and the label is never taken for the drift issue: connectorops opens its own", async () => {
    writeFiles(dir, { 'connections/erp.yaml': crmConnection('erp') });
    const reader = { login: 'mallory', id: 6666, type: 'User' as const, association: 'NONE' as const };
    gh.seedIssue(REPO, reader, { title: 'Drift', body: `${driftMarker(TARGET)}\nmine now`, labels: [DRIFT_LABEL] });
    expect((await drift()).code).toBe(2);
    const issues = gh.issues(REPO);
    expect(issues.map((i) => [i.number, i.user.login, i.body.split('\n')[0]])).toEqual([
      [1, 'mallory', driftMarker(TARGET)],
      [2, ACTIONS_BOT.login, driftMarker(TARGET)],
    ]);
    expect(issues[0]!.body).toBe(`${driftMarker(TARGET)}\nmine now`);
  });

  it('keeps one issue per target: another target gets its own, found again by its own marker', async () => {
    writeFiles(dir, { 'connections/billing.yaml': crmConnection('billing') });
    const other = await inProcess(['apply', '--auto-approve', '--target', 'local:other.db'], { cwd: dir, env: { CI: '1' } });
    expect(other.code, other.stderr).toBe(0);
    writeFiles(dir, { 'connections/erp.yaml': crmConnection('erp') });
    expect((await drift()).code).toBe(2);
    expect((await drift({}, 'local:other.db')).code).toBe(2);
    expect((await drift({}, 'local:other.db')).code).toBe(2);
    expect((await drift()).code).toBe(2);
    const issues = gh.issues(REPO);
    expect(issues.map((i) => [i.number, i.body.split('\n')[0], i.state])).toEqual([
      [1, driftMarker(TARGET), 'open'],
      [2, driftMarker('local:other.db'), 'open'],
    ]);
    expect(recordedKeys(issues[1]!.body)).toEqual(['not-rolled-out:connection.create erp']);
  });

  it('a token that may not write issues: a clear error naming the command and issues: write (exit 1), the findings still printed', async () => {
    writeFiles(dir, { 'connections/billing.yaml': crmConnection('billing') });
    const r = await drift({ GITHUB_TOKEN: READ_ONLY });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Not rolled out');
    expect(r.stderr).toContain(
      `Error: connectorops drift could not keep the drift issue: GitHub refused to let the token create the drift issue on ${REPO} (HTTP 403): GitHub says "Resource not accessible by integration"`,
    );
    expect(r.stderr).toContain('hint: the token needs permission to write issues: give the workflow `permissions: issues: write`');
    expect(gh.issues(REPO)).toEqual([]);
  });

  it('sends the token to the API origin only: a pagination link to another origin is refused before anything is sent there', async () => {
    const elsewhere = await Bystander.start();
    try {
      writeFiles(dir, { 'connections/billing.yaml': crmConnection('billing') });
      gh.fail({ method: 'GET', path: /\/issues$/, status: 200, body: [], headers: { link: `<${elsewhere.url}/repos/acme/infra/issues?page=2>; rel="next"` } });
      const r = await drift();
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('outside ' + new URL(gh.url).origin + '; nothing was sent there');
      expect(elsewhere.requests).toEqual([]);
      for (const req of gh.requests) expect(req.authorization).toBe(`token ${TOKEN}`);
      expect(gh.issues(REPO)).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });
});
