/**
 * GitHub and an HTTP target may answer with words that quote the token they were sent: the whole
 * Authorization header, the token cut in two, its first or last characters, inside a lock's
 * holder or a diagnostic. No part of the token (8 characters or more of it) reaches stdout or
 * stderr (issue 18, item 6). Through the real CLI, against the GitHub stand-in and a loopback
 * HTTP server that echoes what it was sent; the server's words are escaped on the way too.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_REDACTED_PART } from '../../src/model/redact.js';
import { runCli } from '../support/in-process-cli.js';
import { ACTIONS_BOT, GitHubStandIn } from '../support/github-server.js';
import { cleanRepos, commitAll, tempRepo } from '../support/repo.js';

const GITHUB_TOKEN = 'ghs_echoedTokenNeverPrinted0123456789';
const TARGET_TOKEN = 'target-token-Zq8Wm3Rk5Tn1Vb7Yx';
const CRM = `kind: Connector
linkName: crm
name: Acme CRM
authentication: { type: basic }
`;

let dir: string;
beforeAll(() => {
  dir = tempRepo({ 'connectors/crm.yaml': CRM });
  commitAll(dir);
});
afterAll(() => cleanRepos());

/** The CLI in this process; stdout and stderr as one text. */
async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  const r = await runCli(args, { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', CI: '1', USER: 'ops', ...env } });
  return { code: r.code, out: r.stdout + r.stderr };
}

/** What a server that quotes the token says: whole, in the header's form, cut, its ends. */
function echoes(authorization: string, token: string): string {
  return `\u001b[31mdenied ${authorization}; first ${token.slice(0, 12)}, last ${token.slice(-10)}, middle ${token.slice(5, 20)}`;
}

/** No run of MIN_REDACTED_PART characters of `token` anywhere in `out`, and no escape sequence. */
function expectNoPart(out: string, token: string): void {
  for (let i = 0; i + MIN_REDACTED_PART <= token.length; i++) expect(out).not.toContain(token.slice(i, i + MIN_REDACTED_PART));
  expect(out).not.toContain('\u001b');
  expect(out).not.toMatch(/Internal error|\n {4}at /);
}

describe('no part of the token is ever printed (issue 18, item 6)', () => {
  it('GitHub: an error answer that echoes the token, cut and whole', async () => {
    const gh = await GitHubStandIn.start();
    try {
      gh.addToken(GITHUB_TOKEN, ACTIONS_BOT).addPullRequest('acme/infra', 7);
      expect((await cli(['plan', '--target', 'local:a.db', '--out', 'plan.json'], {})).code).toBe(0);
      for (const status of [403, 404, 422]) {
        gh.fail({ method: 'GET', status, body: { message: echoes(`token ${GITHUB_TOKEN}`, GITHUB_TOKEN), errors: [{ message: GITHUB_TOKEN.slice(2, 30) }] } });
        const r = await cli(['comment', 'plan.json', '--pr', '7', '--repo', 'acme/infra'], { GITHUB_TOKEN, GITHUB_API_URL: gh.url });
        expect(r.code, r.out).toBe(1);
        expect(r.out).toContain(`(HTTP ${status})`);
        // 404 is told in our words only; 403 and 422 quote GitHub's message, redacted.
        if (status !== 404) expect(r.out).toContain('(sensitive)');
        expectNoPart(r.out, GITHUB_TOKEN);
      }
    } finally {
      await gh.close();
    }
  });

  it('an HTTP target: error messages, hints, diagnostics and a lock holder that echo the Authorization header', async () => {
    const kinds = ['target', 'user', 'internal', 'request', 'lock-held'] as const;
    let kind: (typeof kinds)[number] = 'target';
    const stub: Server = createServer((req, res) => {
      const said = echoes(req.headers.authorization ?? '', TARGET_TOKEN);
      const error =
        kind === 'lock-held'
          ? { kind, message: said, lock: { id: said, holder: said, host: said, pid: 1, operation: req.headers.authorization ?? '', startedAt: said } }
          : { kind, message: said, hint: said, diagnostics: [{ file: said, line: 1, col: 1, severity: 'error', code: 'schema', message: said, hint: said }] };
      res.writeHead(kind === 'lock-held' ? 409 : 400, { 'content-type': 'application/json' }).end(JSON.stringify({ error }));
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
      for (kind of kinds) {
        for (const args of [
          ['plan', '--target', url],
          ['target', 'export', '--target', url],
          ['apply', '--target', url, '--auto-approve'],
        ]) {
          const r = await cli(args, { CONNECTOROPS_TOKEN: TARGET_TOKEN });
          expect(r.code, `${kind} ${args[0]}: ${r.out}`).toBe(1);
          expect(r.out, `${kind} ${args[0]}`).toContain('(sensitive)');
          expectNoPart(r.out, TARGET_TOKEN);
        }
      }
    } finally {
      stub.closeAllConnections();
      await new Promise<void>((resolve) => stub.close(() => resolve()));
    }
  });
});
