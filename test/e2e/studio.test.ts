/**
 * `connectorops studio` in a real browser: Debian's chromium driven by playwright-core, against
 * the real CLI on a ledger target whose rollout was opened by `apply` (all set up through the
 * CLI). One browser for the file. The page is searched, a connector opened, a value copied (the
 * clipboard read back), a ready step marked done (the ledger moves: `rollout log`), a waiting step
 * offers no button, a refused step says why, a `rollout done` run in a terminal appears without a
 * reload; axe-core finds no serious or critical violation; and every refusal of the server is
 * shown (no token, a token used twice, a foreign Origin on a change). Screenshots of the main
 * views are taken, and saved to docs/studio/ (linked from docs/studio.md) when asked (below).
 */
import { once } from 'node:events';
import axe from 'axe-core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killHard, startChild, type Child } from '../support/child.js';
import { BIN, ensureBuilt, ROOT } from '../support/dist.js';
import { git } from '../support/repo.js';
import { tempDir } from '../support/target.js';

const SECRETS = { CRM_SECRET: 'crm-s3cret-value-0001', ERP_SECRET: 'erp-s3cret-value-0002' };
const BASE_ENV: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', CI: '1', USER: 'ops-runner' };
const ENV: NodeJS.ProcessEnv = { ...BASE_ENV, ...SECRETS };
/** The studio runs without ERP_SECRET: marking the step that sets it done is refused (S1). */
const STUDIO_ENV: NodeJS.ProcessEnv = { ...BASE_ENV, CRM_SECRET: SECRETS.CRM_SECRET };
/**
 * Where the screenshots go: docs/studio/ (the pictures docs/studio.md shows) only when asked, with
 * CONNECTOROPS_UPDATE_SCREENSHOTS=1; otherwise into a temporary folder, so that `npm test`
 * leaves the working tree as it found it (each run's PNGs differ by a few bytes).
 */
const UPDATE_SCREENSHOTS = process.env.CONNECTOROPS_UPDATE_SCREENSHOTS === '1';
let SHOTS = join(ROOT, 'docs/studio');
let shots: ReturnType<typeof tempDir> | undefined;
const T = ['--target', 'local:acct.db'];
/** How long the page may take to show what it was told (a plan is made per view; the machine is shared): never a timing assertion. */
const WAIT = { timeout: 30_000 };

const connector = (linkName: string, name: string, clientId: string, secretEnv: string, extra = '') => `kind: Connector
linkName: ${linkName}
name: ${name}
${extra}authentication:
  type: oauth2
  grantType: authorization_code
  clientId: ${clientId}
  clientSecret: { fromEnv: ${secretEnv} }
  authorizeUrl: https://accounts.acme.example/oauth/authorize
  accessTokenUrl: https://accounts.acme.example/oauth/token
  refreshTokenUrl: https://accounts.acme.example/oauth/token
  scopes: [contacts.read, contacts.write]
`;
const connection = (linkName: string, connectorName: string, scopes: string) =>
  `kind: Connection\nlinkName: ${linkName}\nname: Connection ${linkName}\nconnector: ${connectorName}\nscopes: [${scopes}]\n`;
const DELUGE = `// orders
resp = invokeurl
[
\turl :"https://api.acme.example/v1/orders"
\ttype :GET
\tconnection:"crm_sales"
];
`;

let tmp: ReturnType<typeof tempDir>;
let browser: Browser;
let page: Page;
let studio: Child;
let url: string;
let origin: string;
let rolloutId: string;

function write(files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(tmp.dir, path, '..'), { recursive: true });
    writeFileSync(join(tmp.dir, path), text);
  }
}

async function cli(args: string[], env: NodeJS.ProcessEnv = ENV): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = startChild(BIN, args, { cwd: tmp.dir, env });
  const closed = once(p.process, 'close');
  p.process.stdin.end();
  const { code } = await p.exited;
  await closed;
  return { code, stdout: p.lines.join('\n') + '\n', stderr: p.stderr() };
}

async function ok(args: string[], env: NodeJS.ProcessEnv = ENV): Promise<string> {
  const r = await cli(args, env);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** axe-core, injected into the page: the serious and critical violations, by rule id and target. */
async function axeProblems(): Promise<string[]> {
  await page.evaluate(axe.source);
  const found = await page.evaluate(async () => {
    const runner = (
      window as unknown as { axe: { run: (c: Document) => Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown }> }> }> } }
    ).axe;
    const r = await runner.run(document);
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => JSON.stringify(n.target)) }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.targets.join(', ')}`);
}

beforeAll(async () => {
  ensureBuilt();
  tmp = tempDir('connectorops-studio-e2e-');
  if (!UPDATE_SCREENSHOTS) {
    shots = tempDir('connectorops-studio-shots-');
    SHOTS = shots.dir;
  }
  git(tmp.dir, 'init', '-q', '-b', 'main');
  // v1: what the account holds (adopted): crm with crm_sales, and legacy, disabled.
  write({
    '.gitignore': '*.db*\n',
    'connectors/crm.yaml': connector('crm', 'Acme CRM', '1000.CRM', 'CRM_SECRET'),
    'connectors/legacy.yaml': connector('legacy', 'Old Billing', '1000.LEGACY', 'CRM_SECRET', 'enabled: false\n'),
    'connections/crm_sales.yaml': connection('crm_sales', 'crm', 'contacts.read'),
    'apps/orders.dg': DELUGE,
  });
  git(tmp.dir, 'add', '-A');
  git(tmp.dir, 'commit', '-q', '-m', 'v1');
  await ok(['target', 'init', ...T, '--mode', 'ledger', '--account', 'Acme (EU)']);
  await ok(['target', 'adopt', ...T, '--authorized', 'crm_sales=alice@acme.example']);
  // v2, applied: a rollout opens (a new connector erp with a connection; crm_sales gains a scope).
  write({
    'connectors/erp.yaml': connector('erp', 'Acme ERP', '1000.ERP', 'ERP_SECRET'),
    'connections/erp_ops.yaml': connection('erp_ops', 'erp', 'contacts.read'),
    'connections/crm_sales.yaml': connection('crm_sales', 'crm', 'contacts.read, contacts.write'),
  });
  git(tmp.dir, 'add', '-A');
  git(tmp.dir, 'commit', '-q', '-m', 'v2');
  const applied = await ok(['apply', ...T, '--auto-approve']);
  rolloutId = /Rollout (r-[0-9a-f]+) opened/.exec(applied)![1]!;
  // And a change not applied yet: crm's client id (it revokes crm_sales' authorization, R5).
  write({ 'connectors/crm.yaml': connector('crm', 'Acme CRM', '1000.CRM2', 'CRM_SECRET') });

  studio = startChild(BIN, ['studio', ...T, '--no-open', '--by', 'Dana Q'], { cwd: tmp.dir, env: STUDIO_ENV });
  const line = await studio.waitFor((l) => l.startsWith('Studio for '));
  url = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(line)![1]!;
  origin = new URL(url).origin;

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  page = await context.newPage();
  mkdirSync(SHOTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (studio && studio.process.exitCode === null) await killHard(studio);
  tmp?.cleanup();
  shots?.cleanup();
});

describe('connectorops studio in a browser', { timeout: 180_000 }, () => {
  it('shows the account as Creator does: cards, search, a disabled connector greyed, who is acting', async () => {
    await page.goto(url);
    expect(new URL(page.url()).search).toBe(''); // the token left the address bar
    await expect.poll(() => page.getByTestId('by').textContent(), WAIT).toBe('Dana Q');
    const cards = page.getByTestId('card');
    // crm and legacy are on the target; erp is what the open rollout creates.
    await expect.poll(() => cards.count(), WAIT).toBe(3);
    expect(await cards.filter({ hasText: 'Acme ERP' }).textContent()).toContain('in rollout');
    const legacy = cards.filter({ hasText: 'Old Billing' });
    expect(await legacy.getAttribute('class')).toContain('disabled');
    expect(await legacy.textContent()).toContain('Disabled');
    const crm = cards.filter({ hasText: 'Acme CRM' });
    expect(await crm.textContent()).toMatch(/Ready.*OAuth2/);
    expect(await crm.textContent()).toContain('changed');
    expect(await crm.textContent()).toContain('revokes 1 authorization');
    await page.screenshot({ path: join(SHOTS, 'cards.png'), fullPage: false });

    const search = page.getByRole('searchbox', { name: 'Search connectors by name or link name' });
    await search.fill('billing'); // by name
    await expect.poll(() => cards.count(), WAIT).toBe(1);
    expect(await cards.first().textContent()).toContain('legacy');
    await search.fill('CRM'); // by link name (and name), any case
    await expect.poll(() => cards.count(), WAIT).toBe(1);
    expect(await cards.first().textContent()).toContain('Acme CRM');
    await search.fill('nothing-like-it');
    await expect.poll(() => cards.count(), WAIT).toBe(0);
    await search.fill('');

    expect(await axeProblems()).toEqual([]);
  });

  it('opens a connector by keyboard: parameters (secrets as a fingerprint state only), connections, authorizations, usages, what the plan does', async () => {
    await page.getByRole('searchbox').focus();
    await page.keyboard.press('Tab');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent), WAIT).toMatch(/^Acme CRMcrm/);
    await page.keyboard.press('Enter');
    const detail = page.locator('section.detail');
    await expect.poll(() => detail.locator('h2').textContent(), WAIT).toContain('Acme CRM');
    const text = (await detail.textContent())!;
    expect(text).toContain('Client ID');
    expect(text).toContain('1000.CRM');
    expect(text).toContain('secret: fingerprint recorded');
    for (const value of Object.values(SECRETS)) expect(text).not.toContain(value);
    // What the current plan does: changed, with the field diff; the authorization it revokes, loudly.
    expect(text).toMatch(/changed by a\d+/);
    const diff = detail.locator('table.diff').first();
    expect(await diff.textContent()).toMatch(/authentication\.clientId.*1000\.CRM.*1000\.CRM2/);
    expect(await detail.getByRole('note', { name: 'Authorizations revoked' }).first().textContent()).toMatch(/crm_sales: alice@acme\.example.*R5/);
    expect(await detail.getByRole('link', { name: 'R5' }).first().getAttribute('href')).toBe('/docs/rules.md#r5');
    // Its connection, authorized, and where code uses it (file:line:col).
    const sales = detail.getByRole('article', { name: 'Connection Connection crm_sales' });
    expect(await sales.textContent()).toContain('authorized by alice@acme.example');
    expect(await sales.textContent()).toContain('apps/orders.dg:6:2');
    await page.screenshot({ path: join(SHOTS, 'connector.png'), fullPage: false });
    expect(await axeProblems()).toEqual([]);

    // The rule's link opens docs/rules.md on the studio itself.
    const rules = await page.request.get(`${origin}/docs/rules.md`);
    expect(rules.status()).toBe(200);
    expect(await rules.text()).toContain('<h3 id="r5">R5: ');
    await page.getByRole('link', { name: '← All connectors' }).click();
    await expect.poll(() => page.getByTestId('card').count(), WAIT).toBe(3);
  });

  it('opened at a link cut short (#connector/%E0%A4%A, not UTF-8 once decoded), shows the cards, as for an unknown connector', async () => {
    const other = await page.context().newPage();
    const errors: string[] = [];
    other.on('pageerror', (e) => errors.push(String(e)));
    try {
      await other.goto(`${origin}/#connector/%E0%A4%A`);
      await expect.poll(() => other.getByTestId('card').count(), WAIT).toBe(3);
      // And the same link followed from a page already open.
      await other.evaluate(() => (window.location.hash = '#connector/%'));
      await other.evaluate(() => (window.location.hash = '#connector/crm'));
      await expect.poll(() => other.locator('section.detail h2').textContent(), WAIT).toContain('Acme CRM');
      expect(errors).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('walks the rollout: copy a value, no button on a waiting step, Mark done moves the ledger, a refusal says why', async () => {
    const step = (id: string) => page.locator(`article[data-step="${id}"]`);
    await expect.poll(() => page.getByTestId('progress').textContent(), WAIT).toBe('0 of 6 steps done');
    const status = await ok(['rollout', ...T]);
    const createErp = /→ (a\d+) create connector "erp"/.exec(status)![1]!;
    const updateSales = /→ (a\d+) update connection "crm_sales"/.exec(status)![1]!;
    const waiting = /· (a\d+) mark connector "erp" ready waiting for/.exec(status)![1]!;

    // A value to type in Creator, copied with the button beside it.
    await step(createErp).getByRole('button', { name: 'Copy 1000.ERP' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('1000.ERP');
    expect(await step(createErp).getByRole('status').filter({ hasText: 'Copied' }).count()).toBe(1);

    // A waiting step says what it waits on, and offers no button.
    expect(await step(waiting).textContent()).toContain(`Waiting on ${createErp}`);
    expect(
      await step(waiting)
        .getByRole('button', { name: /Mark done/ })
        .count(),
    ).toBe(0);
    await page.locator('#rollout').screenshot({ path: join(SHOTS, 'rollout.png') });

    // Refused: the step sets a secret whose variable the studio does not have (S1); nothing recorded.
    await step(createErp)
      .getByRole('button', { name: `Mark done: step ${createErp}` })
      .click();
    const refusal = step(createErp).getByRole('alert');
    await expect.poll(() => refusal.textContent(), WAIT).toContain('ERP_SECRET');
    expect(await refusal.getByRole('link', { name: 'S1' }).getAttribute('href')).toBe('/docs/rules.md#s1');

    // Mark done: recorded through rollout done's code, as the studio's --by.
    await step(updateSales)
      .getByRole('button', { name: `Mark done: step ${updateSales}` })
      .click();
    await expect.poll(() => step(updateSales).textContent(), WAIT).toMatch(/✓ Done by Dana Q at /);
    await expect.poll(() => page.getByTestId('progress').textContent(), WAIT).toBe('1 of 6 steps done');
    const log = await ok(['rollout', 'log', ...T]);
    expect(log).toMatch(new RegExp(`  Dana Q  ${rolloutId} ${updateSales} done: update connection "crm_sales" \\(scopes\\)`));
    expect(log).not.toContain(`${createErp} done`);
    // The page's log, newest first.
    expect(await page.locator('ol.log li').first().textContent()).toContain(`${updateSales} done`);

    // Done in a terminal: the page follows without a reload.
    await ok(['rollout', 'done', createErp, ...T, '--by', 'Erin']);
    await expect.poll(() => step(createErp).locator('.step-state').textContent(), WAIT).toMatch(/^✓ Done by Erin at /);
    await expect.poll(() => page.getByTestId('progress').textContent(), WAIT).toBe('2 of 6 steps done');
    expect(
      await step(waiting)
        .getByRole('button', { name: `Mark done: step ${waiting}` })
        .count(),
    ).toBe(1);
    expect(await axeProblems()).toEqual([]);
    await page.locator('#plan').screenshot({ path: join(SHOTS, 'plan.png') });
    await page.locator('#rollout .graph').screenshot({ path: join(SHOTS, 'rollout-graph.png') });
  });

  it('refuses a request without the session, a used token, and a change from another origin', async () => {
    const before = await ok(['rollout', 'log', ...T]);
    // No token, no cookie: nothing, not even the page or its script.
    for (const path of ['/', '/app.js', '/api/view', '/api/events']) {
      const r = await fetch(`${origin}${path}`);
      expect(r.status, path).toBe(401);
    }
    const noSession = await fetch(`${origin}/api/done`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: '{"step":"a2"}' });
    expect(noSession.status).toBe(401);
    // The printed link works once.
    const again = await fetch(url, { redirect: 'manual' });
    expect(again.status).toBe(401);
    expect(await again.text()).toContain('used already');

    // With the browser's session but from another page: refused, nothing recorded.
    const cookies = await page.context().cookies(origin);
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    expect(cookie).toMatch(/^connectorops-studio-\d+=/);
    const view = await fetch(`${origin}/api/view`, { headers: { cookie } });
    expect(view.status).toBe(200);
    for (const from of ['http://evil.example', 'http://localhost:1', 'null', undefined]) {
      const r = await fetch(`${origin}/api/done`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', ...(from !== undefined ? { origin: from } : {}) },
        body: '{"step":"a2"}',
      });
      expect(r.status, String(from)).toBe(403);
      expect(((await r.json()) as { error: string }).error).toContain("only from the studio's own page");
    }
    // Another Host (a DNS name rebound to 127.0.0.1) is refused too.
    const rebound = await new Promise<number | undefined>((resolve, reject) => {
      const { hostname, port } = new URL(origin);
      request({ hostname, port, path: '/api/view', headers: { cookie, host: `attacker.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      })
        .on('error', reject)
        .end();
    });
    expect(rebound).toBe(403);
    expect(await ok(['rollout', 'log', ...T])).toBe(before);
  });

  it('answers a body over its limit with 413 and a reason, said up front or streamed, and records nothing', async () => {
    const before = await ok(['rollout', 'log', ...T]);
    const cookie = (await page.context().cookies(origin)).map((c) => `${c.name}=${c.value}`).join('; ');
    const huge = JSON.stringify({ step: 'a2', note: 'x'.repeat(200_000) });
    // Its length said in Content-Length (fetch says it).
    const declared = await fetch(`${origin}/api/done`, { method: 'POST', headers: { cookie, origin, 'content-type': 'application/json' }, body: huge });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: string }).error).toContain('the request is too large');
    // Streamed in chunks, with no length said: the studio finds out while reading.
    const streamed = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      const { hostname, port } = new URL(origin);
      const req = request({ hostname, port, path: '/api/done', method: 'POST', headers: { cookie, origin, 'content-type': 'application/json' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write(huge.slice(i * 10_000, (i + 1) * 10_000));
      req.end();
    });
    expect(streamed.status).toBe(413);
    expect(streamed.body).toContain('the request is too large');
    expect(await ok(['rollout', 'log', ...T])).toBe(before);
  });
});
