/**
 * `rollout issue` and `rollout sync` against the GitHub REST stand-in on loopback, over a real
 * local ledger (SQLite in a temp dir): create, update, split; a tick in order, out of order, by
 * someone without write access; completion (summary and closed); a rate limit.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { issueParts, parseRolloutMarker, readIssue } from '../../../src/github/rollout-issue.js';
import type { Plan } from '../../../src/model/plan.js';
import { writePlanFile } from '../../../src/planfile/file.js';
import { openRolloutFor, openRolloutOf } from '../../../src/rollout/run.js';
import { LocalTarget } from '../../../src/targets/local/local-target.js';
import { memIo } from '../../apply/support.js';
import { ACTIONS_BOT, GitHubStandIn, type StandInUser } from '../../support/github-server.js';
import { openSqlite } from '../../support/sqlite.js';
import { writeFileSync } from 'node:fs';
import { connectionCreate, connectorCreate, connectorSpec, lifecycle, makePlan } from '../../support/plans.js';
import { tempDir } from '../../support/target.js';
import { ownTagsOnly, unmentionedAts } from '../../support/markdown-checks.js';

const TOKEN = 'ghs_rolloutTokenThatMustNeverBePrinted7';
const REPO = 'acme/infra';
const SECRET = 'erp-s3cret-never-shown-0042';

let tmp: ReturnType<typeof tempDir>;
let gh: GitHubStandIn;

beforeEach(async () => {
  tmp = tempDir('connectorops-rollout-issue-');
  gh = await GitHubStandIn.start();
  gh.addToken(TOKEN, ACTIONS_BOT).setPermission('alice', 'write').setPermission('mia', 'maintain').setPermission('bob', 'read');
});
afterEach(async () => {
  await gh.close();
  tmp.cleanup();
});

/** erp created (with a secret), marked ready, a connection on it, then its authorization. */
function erpPlan(name = 'Acme ERP @ops-team'): Plan {
  return makePlan({
    target: 'local:acct.db',
    actions: [
      connectorCreate('a1', 'erp', connectorSpec({ name, secrets: { clientSecret: { fromEnv: 'ERP_SECRET', fingerprint: null } } })),
      lifecycle('a2', 'connector.markReady', 'erp', { dependsOn: ['a1'] }),
      connectionCreate('a3', 'erp_ops', { name: 'ERP ops', connector: 'erp', scopes: [] }, { dependsOn: ['a2'] }),
    ],
    needsAuthorization: ['erp_ops'],
  });
}

async function openLedger(plan: Plan): Promise<string> {
  const target = LocalTarget.open(join(tmp.dir, 'acct.db'), { name: 'local:acct.db' });
  try {
    await target.initialize('ledger', 'Acme (EU)');
    return (await openRolloutFor(target, plan, 'ops')).id;
  } finally {
    await target.close();
  }
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const io = memIo(tmp.dir, { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.url, ERP_SECRET: SECRET, ...env });
  const code = await main([...args, '--target', 'local:acct.db', '--repo', REPO], io);
  return { code, out: io.out(), err: io.err() };
}

/** The Markdown outside fenced code blocks (```…```, of any fence length). */
function withoutFencedBlocks(markdown: string): string {
  return markdown.replace(/^ *(`{3,})text\n[\s\S]*?^ *\1$/gm, '');
}

const tick = (...ids: string[]) => gh.editIssue(REPO, 1, (body) => ids.reduce((b, id) => b.replace(`- [ ] **${id}**`, `- [x] **${id}**`), body));

async function doneSteps(): Promise<Array<[string, string | undefined]>> {
  const target = LocalTarget.open(join(tmp.dir, 'acct.db'), { name: 'local:acct.db' });
  try {
    const stored = (await target.rollouts())[0]!;
    return (await target.journal(stored.id)).filter((e) => e.status === 'done').map((e) => [e.actionId, e.by]);
  } finally {
    await target.close();
  }
}

describe('rollout issue', () => {
  it("a reader's labelled issue carrying the open rollout's marker is never taken for it: not updated, not synced", async () => {
    const id = await openLedger(erpPlan());
    const reader: StandInUser = { login: 'mallory', id: 6666, type: 'User', association: 'NONE' };
    const copied = `<!-- connectorops:rollout target=local%3Aacct.db id=${encodeURIComponent(id)} -->\n- [x] **a1** create connector "erp"\n`;
    expect(parseRolloutMarker(copied)).toEqual({ target: 'local:acct.db', id, parts: [] });
    gh.seedIssue(REPO, reader, { title: 'Rollout', body: copied, labels: ['connectorops-rollout'] });
    const created = await cli(['rollout', 'issue']);
    expect(created.out).toBe(`Created the rollout issue ${REPO}#2: https://github.com/acme/infra/issues/2\n`);
    expect(gh.issues(REPO)[0]!.body).toBe(copied);
    const synced = await cli(['rollout', 'sync', '--issue', '1', '--actor', 'alice']);
    expect(synced.code).toBe(1);
    expect(synced.err).toContain(`issue ${REPO}#1 is not the issue of rollout ${id}`);
    expect(await doneSteps()).toEqual([]);
  });

  it('creates the issue (title, label, marker, task list with folded instructions), then updates it in place', async () => {
    const id = await openLedger(erpPlan());
    const created = await cli(['rollout', 'issue']);
    expect(created.code, created.err).toBe(0);
    expect(created.out).toBe(`Created the rollout issue ${REPO}#1: https://github.com/acme/infra/issues/1\n`);
    const [issue] = gh.issues(REPO);
    expect(issue).toMatchObject({ title: `Rollout ${id}: 4 steps on local:acct.db`, labels: ['connectorops-rollout'], state: 'open' });
    expect(parseRolloutMarker(issue!.body)).toEqual({ target: 'local:acct.db', id, parts: [] });
    expect(issue!.body).toContain('- [ ] **a1** create connector "erp"');
    expect(issue!.body).toContain('- [ ] **a3** create connection "erp\\_ops" · after a2');
    expect(issue!.body).toContain('- [ ] **auth1** authorize connection "erp\\_ops" (by the connection\'s owner) · after a1, a2, a3');
    expect(issue!.body).toContain('Client secret: paste the value of environment variable ERP_SECRET');
    expect(issue!.body).not.toContain(SECRET);
    // The user's "@ops-team" notifies nobody: escaped in the Markdown, and verbatim (to be typed
    // as it is) only inside the fenced instructions, where GitHub links no mention.
    expect(unmentionedAts(withoutFencedBlocks(issue!.body))).toEqual([]);
    expect(issue!.body).toContain('    Connector name: "Acme ERP @ops-team"');
    // Only our own tags are HTML: the marker comment, <details> and <summary>.
    expect(ownTagsOnly(withoutFencedBlocks(issue!.body)).filter((t) => !t.startsWith('<!-- connectorops:'))).toEqual([]);

    const again = await cli(['rollout', 'issue']);
    expect(again.out).toBe(`Updated the rollout issue ${REPO}#1: https://github.com/acme/infra/issues/1\n`);
    expect(gh.issues(REPO)).toHaveLength(1);
    expect(gh.calls().filter((c) => c.startsWith('PATCH'))).toEqual([]); // nothing changed: nothing written
  });

  it('splits a rollout too long for one issue into the body and continuation comments, each under the limit', async () => {
    const long = 'x'.repeat(60);
    const actions = Array.from({ length: 160 }, (_, i) =>
      connectorCreate(`a${i + 1}`, `c${i + 1}`, connectorSpec({ name: `Connector ${i + 1} ${long}`, description: long.repeat(3) })),
    );
    await openLedger(makePlan({ target: 'local:acct.db', actions }));
    const r = await cli(['rollout', 'issue'], { CRM_CLIENT_SECRET: 's' });
    expect(r.code, r.err).toBe(0);
    const parts = [gh.issues(REPO)[0]!.body, ...gh.comments(REPO, 1).map((c) => c.body)];
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(65_536);
    const items = parts.flatMap((p) => p.split('\n').filter((l) => l.startsWith('- [ ] **')));
    expect(items.map((l) => /\*\*(a\d+)\*\*/.exec(l)![1])).toEqual(actions.map((a) => a.id));
    // The body's marker names the continuation comments connectorops created, and only those.
    expect(parseRolloutMarker(parts[0]!)!.parts).toEqual(gh.comments(REPO, 1).map((c) => c.id));
    // A tick in a continuation comment counts too.
    const target = LocalTarget.open(join(tmp.dir, 'acct.db'));
    const rollout = (await openRolloutOf(target))!;
    await target.close();
    const read = readIssue(
      issueParts(rollout, 'local:acct.db').map((text, i) => ({ part: i === 0 ? ('body' as const) : i, text: text.replace('- [ ] **a160**', '- [x] **a160**') })),
      rollout,
    );
    expect(read).toEqual({ ticked: new Set(['a160']), tampered: [] });
  });

  it('a 403 rate limit that resets too late fails the command with a clear error, creating nothing', async () => {
    await openLedger(erpPlan());
    gh.fail({
      method: 'GET',
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600) },
      body: { message: 'API rate limit exceeded for installation ID 1.' },
      times: 5,
    });
    const r = await cli(['rollout', 'issue']);
    expect(r.code).toBe(1);
    expect(r.err).toContain("GitHub's rate limit stopped connectorops");
    expect(r.err).not.toContain(TOKEN);
    expect(gh.issues(REPO)).toEqual([]);
  });
  it('a token that may not write issues is told which permission the workflow needs (issues, not pull requests)', async () => {
    await openLedger(erpPlan());
    gh.fail({ method: 'POST', path: /\/issues$/, status: 403, body: { message: 'Resource not accessible by integration' } });
    const r = await cli(['rollout', 'issue']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`GitHub refused to let the token create the rollout issue on ${REPO} (HTTP 403)`);
    expect(r.err).toContain('permissions: issues: write');
    expect(r.err).not.toContain('pull request');
  });
});

describe('rollout issue: what a person or the target wrote reaches Markdown escaped (issue 18, item 6)', () => {
  it('a confirmer, a note and an event time with HTML and @mentions: no tag but ours, no mention', async () => {
    await openLedger(erpPlan());
    const by = '<img src=x onerror=alert(1)>@org/team';
    const io = memIo(tmp.dir, { ERP_SECRET: SECRET });
    expect(await main(['rollout', 'done', 'a1', '--by', by, '--note', '<script>@here</script>', '--target', 'local:acct.db'], io), io.err()).toBe(0);
    const db = openSqlite(join(tmp.dir, 'acct.db'));
    db.prepare('UPDATE journal SET at = ?').run('<b>@everyone</b>');
    db.prepare('UPDATE rollout_events SET at = ?').run('<i>@admins</i>');
    db.close();
    const r = await cli(['rollout', 'issue']);
    expect(r.code, r.err).toBe(0);
    const body = gh.issues(REPO)[0]!.body;
    expect(body).toContain('done by &lt;img src=x onerror=alert\\(1\\)&gt;@\u200borg/team at &lt;b&gt;@\u200beveryone&lt;/b&gt;');
    const visible = withoutFencedBlocks(body);
    expect(unmentionedAts(visible)).toEqual([]);
    expect(ownTagsOnly(visible).filter((t) => !t.startsWith('<!-- connectorops:'))).toEqual([]);
  });
});

describe('rollout sync', () => {
  beforeEach(async () => {
    await openLedger(erpPlan());
    expect((await cli(['rollout', 'issue'])).code).toBe(0);
  });

  it('records a tick in order, by the actor, and re-renders the issue', async () => {
    tick('a1');
    const r = await cli(['rollout', 'sync', '--issue', '1', '--actor', 'alice']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Recorded a1 as done by alice.');
    expect(await doneSteps()).toEqual([['a1', 'alice']]);
    expect(gh.issues(REPO)[0]!.body).toMatch(/- \[x\] \*\*a1\*\* create connector "erp" · done by alice at /);
    expect(gh.comments(REPO, 1)).toEqual([]);
  });

  it('a tick out of order is unticked again, with a comment saying what it waits for', async () => {
    tick('a3');
    const r = await cli(['rollout', 'sync', '--issue', '1', '--actor', 'alice']);
    expect(r.code, r.err).toBe(0);
    expect(await doneSteps()).toEqual([]);
    expect(gh.issues(REPO)[0]!.body).toContain('- [ ] **a3**');
    expect(gh.comments(REPO, 1).map((c) => c.body)).toEqual(['a3 was unticked: it waits for a2, which is not done yet.']);
  });

  it('ticks by someone without write access are reverted, with a comment; a maintainer may tick', async () => {
    tick('a1');
    const r = await cli(['rollout', 'sync', '--issue', '1', '--actor', 'bob']);
    expect(r.code, r.err).toBe(0);
    expect(await doneSteps()).toEqual([]);
    expect(gh.issues(REPO)[0]!.body).toContain('- [ ] **a1**');
    expect(gh.comments(REPO, 1).map((c) => c.body)).toEqual([
      'The ticks of a1 by bob were reverted: only people with write, maintain or admin permission on this repository may record rollout steps.',
    ]);
    expect(gh.calls()).toContain('GET /repos/acme/infra/collaborators/bob/permission');
    tick('a1');
    expect((await cli(['rollout', 'sync', '--issue', '1', '--actor', 'mia'])).code).toBe(0);
    expect(await doneSteps()).toEqual([['a1', 'mia']]);
  });

  it('a step that sets a secret needs its variable: without it nothing is recorded, the box is unticked, a comment says why', async () => {
    tick('a1');
    const r = await cli(['rollout', 'sync', '--issue', '1', '--actor', 'alice'], { ERP_SECRET: undefined });
    expect(r.code).toBe(1);
    expect(await doneSteps()).toEqual([]);
    expect(gh.issues(REPO)[0]!.body).toContain('- [ ] **a1**');
    expect(gh.comments(REPO, 1)[0]!.body).toContain('ERP\\_SECRET');
  });

  it('all boxes ticked at once: recorded in dependency order; the summary is posted and the issue closed', async () => {
    tick('auth1', 'a3', 'a2', 'a1');
    const r = await cli(['rollout', 'sync', '--issue', '1', '--actor', 'alice']);
    expect(r.code, r.err).toBe(0);
    expect(await doneSteps()).toEqual([
      ['a1', 'alice'],
      ['a2', 'alice'],
      ['a3', 'alice'],
      ['auth1', 'alice'],
    ]);
    const issue = gh.issues(REPO)[0]!;
    expect(issue.state).toBe('closed');
    expect(issue.body).toContain('**4 of 4 steps done.** This rollout is closed.');
    const [summary] = gh.comments(REPO, 1).map((c) => c.body);
    expect(summary).toContain('is complete:** all 4 steps are done (by alice)');
    const target = LocalTarget.open(join(tmp.dir, 'acct.db'));
    try {
      expect(await openRolloutOf(target)).toBeNull();
      expect((await target.read()).state.connections.get('erp_ops')!.authorizations).toEqual([{ environment: 'all', account: 'alice' }]);
    } finally {
      await target.close();
    }
  });

  it("the pull request's plan comment links the open rollout's issue", async () => {
    gh.addPullRequest(REPO, 7);
    const target = LocalTarget.open(join(tmp.dir, 'acct.db'));
    const rollout = (await openRolloutOf(target))!;
    await target.close();
    await writePlanFile(join(tmp.dir, 'plan.json'), { ...makePlan({ target: 'local:acct.db' }), rollout: { id: rollout.id, done: 0, total: 4 } });
    const io = memIo(tmp.dir, { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.url });
    expect(await main(['comment', 'plan.json', '--pr', '7', '--repo', REPO], io), io.err()).toBe(0);
    const [comment] = gh.comments(REPO, 7);
    expect(comment!.body.split('\n')[1]).toBe(`> Rollout \`${rollout.id}\` is in progress on this target: its checklist is #1.`);
  });

  it("refuses an issue that is not the open rollout's", async () => {
    gh.editIssue(REPO, 1, (b) => b.replace(/^<!--[^\n]*-->/, '<!-- something else -->'));
    const r = await cli(['rollout', 'sync', '--issue', '1', '--actor', 'alice']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('is not the issue of rollout');
  });

  it('an issue number that does not exist is named as an issue, not a pull request', async () => {
    const r = await cli(['rollout', 'sync', '--issue', '99', '--actor', 'alice']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`GitHub found no repository ${REPO} with issue #99 (HTTP 404)`);
    expect(r.err).toContain('--issue');
    expect(r.err).not.toContain('pull request');
  });
});

describe('rollout sync trusts only what connectorops wrote and who ticked (issue 18, item 1)', () => {
  const BOB: StandInUser = { login: 'bob', id: 1002, type: 'User' };

  beforeEach(async () => {
    await openLedger(erpPlan());
    expect((await cli(['rollout', 'issue'])).code).toBe(0);
  });

  /** GitHub's event for `login` editing the issue body from `before` to the current body. */
  function bodyEdit(before: string): NodeJS.ProcessEnv {
    const path = join(tmp.dir, 'event.json');
    writeFileSync(path, JSON.stringify({ action: 'edited', issue: { number: 1, body: gh.issues(REPO)[0]!.body }, changes: { body: { from: before } } }));
    return { GITHUB_EVENT_NAME: 'issues', GITHUB_EVENT_PATH: path };
  }

  it("a reader's comment carrying the marker is never read: a writer's tick of a1 records a1 only", async () => {
    const body = gh.issues(REPO)[0]!.body;
    const forged = body.split('\n')[0]!.replace(' -->', ' part=2 -->') + '\n- [x] **a2** mark connector "erp" ready\n- [x] **auth1** authorize\n';
    gh.seed(REPO, 1, BOB, forged);
    gh.seed(REPO, 1, BOB, body.replace('- [ ] **a2**', '- [x] **a2**'));
    tick('a1');
    const r = await cli(['rollout', 'sync', '--issue', '1', '--actor', 'alice']);
    expect(r.code, r.err).toBe(0);
    expect(await doneSteps()).toEqual([['a1', 'alice']]);
    expect(gh.issues(REPO)[0]!.state).toBe('open');
    // The reader's comments are left as they are, never edited.
    expect(gh.calls().filter((c) => c.startsWith('PATCH /repos/acme/infra/issues/comments'))).toEqual([]);
  });

  it('a tick the actor did not make (not in their edit) is refused, unticked, and explained', async () => {
    const before = gh.issues(REPO)[0]!.body;
    tick('a1');
    const env = bodyEdit(before);
    tick('a2'); // someone else, after alice's edit: GitHub's event of alice's edit does not hold it
    const r = await cli(['rollout', 'sync', '--issue', '1', '--actor', 'alice'], env);
    expect(r.code, r.err).toBe(0);
    expect(await doneSteps()).toEqual([['a1', 'alice']]);
    expect(gh.issues(REPO)[0]!.body).toContain('- [ ] **a2**');
    expect(gh.comments(REPO, 1).map((c) => c.body)).toEqual([
      'a2 was unticked and not recorded: the edit by alice that started this sync did not tick it, so who did is unknown. Tick it again to record it as yours.',
    ]);
  });

  it('a tick in a part nobody edited now is not attributed to the actor', async () => {
    const path = join(tmp.dir, 'event.json');
    writeFileSync(path, JSON.stringify({ action: 'edited', issue: { number: 1 }, comment: { id: 999, body: 'x' } }));
    tick('a1');
    const r = await cli(['rollout', 'sync', '--issue', '1', '--actor', 'alice'], { GITHUB_EVENT_NAME: 'issue_comment', GITHUB_EVENT_PATH: path });
    expect(r.code, r.err).toBe(0);
    expect(await doneSteps()).toEqual([]);
    expect(gh.issues(REPO)[0]!.body).toContain('- [ ] **a1**');
  });

  it('an event file whose JSON is no object (null, a list, a number) is read as no event: the body is the edit, as when run by hand', async () => {
    const path = join(tmp.dir, 'event.json');
    for (const [text, step] of [
      ['null', 'a1'],
      ['[]', 'a2'],
      ['7', 'a3'],
    ] as const) {
      writeFileSync(path, text);
      tick(step);
      const r = await cli(['rollout', 'sync', '--issue', '1', '--actor', 'alice'], { GITHUB_EVENT_NAME: 'issues', GITHUB_EVENT_PATH: path });
      expect(r.code, `${text}: ${r.err}`).toBe(0);
      expect(r.err).not.toContain('Internal error');
      expect(r.out).toContain(`Recorded ${step} as done by alice.`);
    }
  });

  it('an edit that adds a step line or rewrites one is put back, with a comment; an unknown id is never recorded', async () => {
    gh.editIssue(REPO, 1, (b) => b.replace('- [ ] **a1** create connector "erp"', '- [x] **a1** create connector "payroll"') + '\n- [x] **a9** drop everything\n');
    const r = await cli(['rollout', 'sync', '--issue', '1', '--actor', 'alice']);
    expect(r.code, r.err).toBe(0);
    expect(await doneSteps()).toEqual([]);
    const body = gh.issues(REPO)[0]!.body;
    expect(body).toContain('- [ ] **a1** create connector "erp"');
    // Not the text 'a9': the marker's rollout id is random hex, and may hold it (it did, once in CI).
    expect(body).not.toContain('**a9**');
    expect(body).not.toContain('drop everything');
    expect(gh.comments(REPO, 1).map((c) => c.body)).toEqual([
      'An edit of the issue body added, rewrote or removed step lines (2 lines); it was put back to the text connectorops wrote, and no tick in it was recorded.',
    ]);
  });

  it('a sync of the issue of a rollout that has closed does nothing and exits 0, saying so', async () => {
    tick('auth1', 'a3', 'a2', 'a1');
    expect((await cli(['rollout', 'sync', '--issue', '1', '--actor', 'alice'])).code).toBe(0);
    gh.clearRequests();
    const r = await cli(['rollout', 'sync', '--issue', '1', '--actor', 'alice']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^Rollout r-[0-9a-f]+ is already closed: nothing to sync\.\n$/);
    expect(gh.calls().filter((c) => !c.startsWith('GET'))).toEqual([]);
  });
});
