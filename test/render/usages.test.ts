/**
 * Usages found in code, as the renderers show them: `file:line:col` in the text plan, `file line N`
 * in the runbook, and in Markdown a link to the line at the plan's commit when the repository is
 * known. A hostile file name, application or component stays text: escaped, never markup, and
 * the link's URL is percent-encoded.
 */
import { describe, expect, it } from 'vitest';
import { codeHostFrom } from '../../src/github/context.js';
import type { Plan } from '../../src/model/plan.js';
import type { Usage } from '../../src/model/types.js';
import { renderPlan, type CodeHost } from '../../src/render/render-plan.js';
import { renderUsagesText } from '../../src/render/usages.js';
import { lifecycle, makePlan } from '../support/plans.js';
import { ownTagsOnly, tableColumnProblems, unmentionedAts } from '../support/markdown-checks.js';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const HOST: CodeHost = { serverUrl: 'https://github.com', owner: 'acme', repo: 'infra' };

const fromCode = (file: string, over: Partial<Usage> = {}): Usage => ({
  app: 'Order Desk',
  component: 'form:Returns (on add, on validate)',
  kind: 'deluge-invokeurl',
  source: 'code',
  file,
  line: 52,
  col: 7,
  ...over,
});
const recorded: Usage = { app: 'sales', component: 'workflow:send_invoice', kind: 'deluge-invokeurl', source: 'target' };

function plan(usages: Usage[]): Plan {
  return makePlan({
    source: { ref: 'HEAD', commit: COMMIT, manifestDigest: 'sha256:m' },
    actions: [lifecycle('a1', 'connection.disable', 'crm_sales', { rules: ['R15', 'R17'], changes: [{ path: 'enabled', from: true, to: false }] })],
    impact: [{ connection: 'crm_sales', usages, rule: 'R15' }],
    blocked: [{ kind: 'Connection', linkName: 'crm_old', rule: 'R14', message: 'used', usages }],
  });
}

describe('usages found in code, rendered', () => {
  it('text: each usage ends with its file:line:col; a recorded one as before', () => {
    const out = renderPlan(plan([fromCode('apps/order-desk.ds'), recorded]), 'text', { color: false });
    expect(out).toContain('      - app "Order Desk", form:Returns (on add, on validate) (deluge-invokeurl) at apps/order-desk.ds:52:7\n');
    expect(out).toContain('      - used by app "Order Desk", form:Returns (on add, on validate) (deluge-invokeurl) at apps/order-desk.ds:52:7\n');
    expect(out).toContain('      - app "sales", workflow:send_invoice (deluge-invokeurl)\n');
  });

  it('runbook: where to edit the code', () => {
    const out = renderPlan(plan([fromCode('apps/order-desk.ds')]), 'runbook', { color: false });
    expect(out).toContain('- app "Order Desk", component "form:Returns (on add, on validate)" (deluge-invokeurl), in apps/order-desk.ds line 52');
  });

  it("markdown: the location links to the line at the plan's commit; without a host it is plain text", () => {
    const linked = renderPlan(plan([fromCode('apps/order-desk.ds'), recorded]), 'markdown', { color: false, codeHost: HOST });
    const link = `[apps/order\\-desk\\.ds:52:7](https://github.com/acme/infra/blob/${COMMIT}/apps/order-desk.ds#L52)`;
    expect(linked).toContain(`  - Used by app Order Desk, form:Returns \\(on add, on validate\\) (deluge\\-invokeurl) at ${link}`);
    expect(linked).toContain(`| crm\\_sales | Order Desk | form:Returns \\(on add, on validate\\) | deluge\\-invokeurl | ${link} | R15 |`);
    expect(linked).toContain('| crm\\_sales | sales | workflow:send\\_invoice | deluge\\-invokeurl | recorded by the target | R15 |');
    const plain = renderPlan(plan([fromCode('apps/order-desk.ds')]), 'markdown', { color: false });
    expect(plain).toContain('at apps/order\\-desk\\.ds:52:7');
    expect(plain).not.toContain('](');
  });

  it('markdown: a hostile path, application and component stay text, and the URL cannot break out of the link', () => {
    const hostile = fromCode('apps/x](javascript:alert(1)) <img src=x> @team|*.ds', { app: '<b>@everyone</b>', component: '`code` | [x](y)', line: 3 });
    const out = renderPlan(plan([hostile]), 'markdown', { color: false, codeHost: HOST });
    expect(ownTagsOnly(out)).toEqual([]);
    expect(unmentionedAts(out)).toEqual([]);
    expect(tableColumnProblems(out)).toEqual([]);
    expect(out).toContain(`(https://github.com/acme/infra/blob/${COMMIT}/apps/x%5D%28javascript%3Aalert%281%29%29%20%3Cimg%20src%3Dx%3E%20%40team%7C%2A.ds#L3)`);
    expect(out).not.toContain('](javascript');
  });

  it("codeHostFrom: GitHub Actions' variables, or nothing when they are missing or unsafe", () => {
    expect(codeHostFrom({ GITHUB_REPOSITORY: 'acme/infra' })).toEqual(HOST);
    expect(codeHostFrom({ GITHUB_REPOSITORY: 'acme/infra', GITHUB_SERVER_URL: 'https://ghe.acme.example/' })).toEqual({ ...HOST, serverUrl: 'https://ghe.acme.example' });
    expect(codeHostFrom({})).toBeUndefined();
    expect(codeHostFrom({ GITHUB_REPOSITORY: 'not a repo' })).toBeUndefined();
    expect(codeHostFrom({ GITHUB_REPOSITORY: 'acme/infra', GITHUB_SERVER_URL: 'javascript:alert(1)' })).toBeUndefined();
    expect(codeHostFrom({ GITHUB_REPOSITORY: 'acme/infra', GITHUB_SERVER_URL: 'https://x.example/a) [b' })).toBeUndefined();
  });

  it('connectorops usages (text): control characters in code are made visible, never sent to the terminal', () => {
    const out = renderUsagesText({
      label: 'working tree',
      ref: null,
      commit: null,
      files: 1,
      defined: new Set(),
      usages: [{ connection: 'crm\u001b[31m', app: 'a\u202eb', component: 'script', kind: 'deluge-invokeurl', file: 'x\u0007.dg', line: 1, col: 1 }],
      warnings: [],
    });
    // eslint-disable-next-line no-control-regex -- the point: no control character reaches the terminal
    expect(out).not.toMatch(/[\u0000-\u0008\u001b\u202e]/);
    expect(out).toContain('connection "crm\\u001b[31m" (no manifest defines it): 1 usage');
  });
});
