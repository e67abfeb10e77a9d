/**
 * Properties of escaping and redaction over arbitrary user strings: whatever a manifest, a target
 * or an application name holds, the PR comment injects no HTML, notifies nobody and keeps its
 * tables; the terminal receives no escape sequence; and no fingerprint is printed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model/plan.js';
import { SENSITIVE, SENSITIVE_CHANGED } from '../../src/model/actions.js';
import { escapeMarkdown, unescapeMarkdown, ZWSP } from '../../src/render/escape.js';
import { renderPlan } from '../../src/render/render-plan.js';
import { connectionCreate, connectionUpdate, connectorCreate, connectorSpec, connectorUpdate, lifecycle, makePlan } from '../support/plans.js';
import { oauth2 } from '../support/builders.js';
import { cellSeparators, ownTagsOnly, tableColumnProblems, unmentionedAts } from '../support/markdown-checks.js';

/** Strings biased towards the characters that matter, plus anything Unicode has. */
const hostileChar = fc.constantFrom(
  '<',
  '>',
  '&',
  '@',
  '|',
  '`',
  '*',
  '_',
  '\\',
  '[',
  ']',
  '(',
  ')',
  '{',
  '}',
  '#',
  '!',
  '~',
  '-',
  '+',
  '.',
  '$',
  '"',
  '\n',
  '\r',
  '\t',
  '\u001b',
  '\u202e',
  ZWSP,
  ' ',
  'a',
  'b',
  '1',
  'é',
  '😀',
);
const userString = fc.oneof(
  fc.string({ unit: hostileChar, maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('<img src=x onerror=alert(1)>', '@team', '| pipes |', '**bold**', '```js', '<details>', '&lt;', '\\|'),
);

interface UserStrings {
  name: string;
  newName: string;
  description: string;
  newDescription: string;
  account: string;
  app: string;
  component: string;
  kind: string;
  message: string;
  hint: string;
  scope: string;
  url: string;
  reason: string;
  cause: string;
  target: string;
}

const userStrings: fc.Arbitrary<UserStrings> = fc.record({
  name: userString,
  newName: userString,
  description: userString,
  newDescription: userString,
  account: userString,
  app: userString,
  component: userString,
  kind: userString,
  message: userString,
  hint: userString,
  scope: userString,
  url: userString,
  reason: userString,
  cause: userString,
  target: userString,
});

/** A plan that puts a user string in every place a renderer prints one. */
function planWith(s: UserStrings): Plan {
  return makePlan({
    target: s.target,
    actions: [
      connectorCreate('a1', 'crm', connectorSpec({ name: s.name, description: s.description, authentication: oauth2({ authorizeUrl: s.url, scopes: [s.scope] }) })),
      lifecycle('a2', 'connector.markReady', 'crm', { dependsOn: ['a1'], rules: ['R2'] }),
      connectionCreate('a3', 'crm_sales', { name: s.newName, connector: 'crm', scopes: [s.scope] }, { dependsOn: ['a2'] }),
      connectorUpdate(
        'a4',
        'old',
        { name: s.newName, description: s.newDescription },
        {
          reason: s.reason,
          changes: [
            { path: 'name', from: s.name, to: s.newName },
            { path: 'description', from: s.description, to: s.newDescription },
            { path: 'authentication.clientSecret', from: SENSITIVE, to: SENSITIVE_CHANGED },
          ],
        },
      ),
      connectionUpdate('a5', 'old_sales', { scopes: [s.scope] }, { changes: [{ path: 'scopes', from: [], to: [s.scope] }] }),
      lifecycle('a6', 'connection.disable', 'old_ops', { rules: ['R15'] }),
      lifecycle('a7', 'connection.delete', 'crm_x', { rules: ['R12'], replace: true, reason: s.reason }),
    ],
    revokedAuthorizations: [{ connection: 'old_sales', connector: 'old', environment: 'all', account: s.account, cause: [s.cause], rule: 'R5' }],
    impact: [{ connection: 'old_ops', usages: [{ app: s.app, component: s.component, kind: s.kind }], rule: 'R15' }],
    blocked: [
      { kind: 'Connection', linkName: 'crm_y', rule: 'R14', message: s.message, hint: s.hint },
      { kind: 'Connector', linkName: 'crm_z', rule: 'R10', message: s.message },
    ],
    needsAuthorization: ['crm_sales', 'old_sales'],
    warnings: [{ code: s.kind, message: s.message, kind: 'Connector', linkName: 'crm' }],
  });
}

describe('escapeMarkdown', () => {
  it('round-trips through unescapeMarkdown for single-line strings without control characters', () => {
    // eslint-disable-next-line no-control-regex -- leaves out the characters the other cases cover
    const plain = fc.string({ unit: 'binary' }).filter((s) => !/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(s));
    fc.assert(
      fc.property(
        fc.oneof(
          plain,
          // eslint-disable-next-line no-control-regex -- the hostile characters are the point
          fc.string({ unit: hostileChar }).filter((s) => !/[\n\r\t\u001b\u202e]/.test(s)),
        ),
        (s) => {
          expect(unescapeMarkdown(escapeMarkdown(s))).toBe(s);
        },
      ),
    );
  });

  it('leaves no unescaped metacharacter, no raw <, no bare @, no line break', () => {
    fc.assert(
      fc.property(userString, (s) => {
        const e = escapeMarkdown(s);
        expect(e).not.toMatch(/[<>\n\r]/);
        expect(unmentionedAts(e)).toEqual([]);
        // Outside backslash escapes, no Markdown metacharacter remains.
        let bare = '';
        for (let i = 0; i < e.length; i++) {
          if (e[i] === '\\') i++;
          else bare += e[i];
        }
        expect(bare).not.toMatch(/[`*_{}[\]()#+\-.!|~$\\]/);
        // A table row of one escaped cell has exactly its two borders.
        expect(cellSeparators(`| ${e} |`)).toBe(2);
      }),
    );
  });
});

describe('renderPlan markdown over arbitrary user strings', () => {
  it('contains no HTML but its own, no mention, and tables keep their column count', () => {
    fc.assert(
      fc.property(userStrings, (s) => {
        const out = renderPlan(planWith(s), 'markdown', { color: false });
        expect(ownTagsOnly(out)).toEqual([]);
        expect(unmentionedAts(out)).toEqual([]);
        expect(tableColumnProblems(out)).toEqual([]);
        // Each summary stays in one piece: the escaped strings cannot open or close a <details>.
        expect(out.match(/<details>/g)?.length).toBe(out.match(/<\/details>/g)?.length);
      }),
      { numRuns: 200 },
    );
  });

  it('shows every user string, escaped', () => {
    fc.assert(
      fc.property(userStrings, (s) => {
        const out = renderPlan(planWith(s), 'markdown', { color: false });
        for (const value of [s.account, s.app, s.component, s.message, s.hint]) expect(out).toContain(escapeMarkdown(value));
      }),
      { numRuns: 100 },
    );
  });
});

describe('renderPlan text and runbook over arbitrary user strings', () => {
  it('never send an escape sequence, a carriage return or a bidi override to the terminal', () => {
    fc.assert(
      fc.property(userStrings, (s) => {
        for (const format of ['text', 'runbook'] as const) {
          const out = renderPlan(planWith(s), format, { color: false });
          // eslint-disable-next-line no-control-regex
          expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('S2: fingerprints', () => {
  it('never appear in text, markdown or runbook, even when a planner bug copies one into a message', () => {
    const fp = fc.stringMatching(/^[0-9a-f]{16,64}$/);
    fc.assert(
      fc.property(fp, userStrings, (fingerprint, s) => {
        const plan = planWith(s);
        const a1 = plan.actions[0]!;
        if (a1.op === 'connector.create') a1.spec.secrets = { clientSecret: { fromEnv: 'CRM_CLIENT_SECRET', fingerprint } };
        plan.blocked[0]!.message = `leaked ${fingerprint}`;
        plan.actions[3]!.changes.push({ path: 'description', from: fingerprint, to: `x${fingerprint}` });
        for (const format of ['text', 'markdown', 'runbook'] as const) {
          expect(renderPlan(plan, format, { color: false })).not.toContain(fingerprint);
        }
        expect(renderPlan(plan, 'json', { color: false })).toContain(fingerprint);
      }),
      { numRuns: 100 },
    );
  });
});
