/**
 * `connectorops drift` through the real CLI, in temp git repositories with real local targets:
 * each kind of finding (not rolled out, stale rollout, a connection only code knows, a resource only
 * the ledger holds), the exit codes (0 none, 2 drift, 1 error), the three formats, and next-step
 * commands that run as pasted.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CRM_API_KEY, crmConnection, delugeCalling } from '../support/manifests.js';
import { cleanRepos, commitAll, tempRepo, writeFiles } from '../support/repo.js';
import { cli } from '../support/in-process-cli.js';

const ENV = { CI: '1', NO_COLOR: '1', GITHUB_REPOSITORY: '', GITHUB_SERVER_URL: '', GITHUB_TOKEN: '' };

interface JsonFinding {
  kind: string;
  key: string;
  next: { say: string; commands: string[] };
  [field: string]: unknown;
}
interface JsonReport {
  formatVersion: 1;
  target: string;
  drift: boolean;
  findings: JsonFinding[];
}

function repo(files: Record<string, string> = {}): string {
  const dir = tempRepo({ 'connectors/crm.yaml': CRM_API_KEY, 'connections/crm_sales.yaml': crmConnection('crm_sales'), '.gitignore': '*.db*\n', ...files });
  commitAll(dir);
  return dir;
}

const run = (dir: string, args: string[]) => cli(args, { cwd: dir, env: ENV });

async function driftJson(dir: string, args: string[] = []): Promise<{ code: number | null; report: JsonReport; stderr: string }> {
  const r = await run(dir, ['drift', '--target', 'local:acct.db', '--format', 'json', ...args]);
  return { code: r.code, report: JSON.parse(r.stdout) as JsonReport, stderr: r.stderr };
}

/** Runs a next-step command as printed (a pasteable shell line), without a shell: its words, unquoted. */
function paste(dir: string, line: string) {
  const words = [...line.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]!));
  expect(words[0]).toBe('connectorops');
  return run(dir, words.slice(1));
}

afterAll(() => cleanRepos());

describe('connectorops drift', () => {
  it('exits 0 when the target holds what the manifests define, 2 with "not rolled out" after a merged change nobody applied', async () => {
    const dir = repo();
    expect((await run(dir, ['apply', '--auto-approve', '--target', 'local:acct.db'])).code).toBe(0);
    const clean = await run(dir, ['drift', '--target', 'local:acct.db']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toContain('No drift for target "local:acct.db"');

    writeFiles(dir, { 'connections/billing.yaml': crmConnection('billing') });
    commitAll(dir, 'billing');
    const { code, report } = await driftJson(dir, ['--ref', 'HEAD']);
    expect(code).toBe(2);
    expect(report.drift).toBe(true);
    expect(report.findings.map((f) => f.kind)).toEqual(['not-rolled-out']);
    expect(report.findings[0]).toMatchObject({ actions: [{ op: 'connection.create', resource: 'Connection', linkName: 'billing' }], blocked: [] });
    expect(report.findings[0]!.next.commands).toEqual(['connectorops plan --target local:acct.db', 'connectorops apply --target local:acct.db']);

    // The text says the same, with the commands to paste; pasting apply clears the drift.
    const text = await run(dir, ['drift', '--target', 'local:acct.db']);
    expect(text.stdout).toContain('1. Not rolled out: 1 change in the manifests is not on target "local:acct.db", and no rollout is open');
    expect(text.stdout).toContain('     connectorops apply --target local:acct.db');
    const applied = await run(dir, ['apply', '--auto-approve', '--target', 'local:acct.db']);
    expect(applied.code, applied.stderr).toBe(0);
    expect((await run(dir, ['drift', '--target', 'local:acct.db'])).code).toBe(0);
  });

  it('reports a rollout open longer than --stale-after days with its ready steps and its last step; not a change "not rolled out"', async () => {
    const dir = repo();
    expect((await run(dir, ['target', 'init', '--target', 'local:acct.db', '--mode', 'ledger', '--account', 'Acme (EU)'])).code).toBe(0);
    const opened = await run(dir, ['apply', '--auto-approve', '--target', 'local:acct.db']);
    expect(opened.code, opened.stderr).toBe(0);

    // Open for less than the default week: no drift (the rollout carries the change).
    const fresh = await driftJson(dir);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.report.findings).toEqual([]);

    const stale = await driftJson(dir, ['--stale-after', '0']);
    expect(stale.code).toBe(2);
    expect(stale.report.findings.map((f) => f.kind)).toEqual(['stale-rollout']);
    const f = stale.report.findings[0]!;
    expect(f).toMatchObject({ days: 0, done: 0, total: 4, last: null, ready: [{ id: 'a1', op: 'connector.create', linkName: 'crm' }] });
    expect(f.next.commands).toEqual([
      'connectorops rollout next --target local:acct.db',
      'connectorops rollout done a1 --target local:acct.db',
      "connectorops rollout abandon --reason 'stale: not finished' --target local:acct.db",
    ]);

    // The pasted `rollout done` records a1; the next check names who did it, and what is ready now.
    expect((await paste(dir, f.next.commands[1]!.replace('done a1', 'done a1 --by alice'))).code).toBe(0);
    const after = (await driftJson(dir, ['--stale-after', '0'])).report.findings[0]!;
    expect(after).toMatchObject({ done: 1, last: { step: 'a1', by: 'alice' }, ready: [{ id: 'a2', op: 'connector.markReady' }] });
    const text = (await run(dir, ['drift', '--target', 'local:acct.db', '--stale-after', '0'])).stdout;
    expect(text).toMatch(/Stale rollout: r-[0-9a-f]+ on "local:acct\.db" has been open for 0 days \(since [^,]+, by [^)]+\); 1 of 4 steps done/);
    expect(text).toContain('last step done: a1 by alice at ');

    // Abandoned as pasted: no rollout is open, and the change it carried is "not rolled out".
    expect((await paste(dir, f.next.commands[2]!)).code).toBe(0);
    const abandoned = await driftJson(dir, ['--stale-after', '0']);
    expect(abandoned.report.findings.map((x) => x.kind)).toEqual(['not-rolled-out']);
  });

  it('finds a connection that only code calls (made by hand?) and one that only the ledger holds, each once', async () => {
    const dir = repo({ 'apps/order-desk.ds': delugeCalling('hand_made') });
    expect((await run(dir, ['apply', '--auto-approve', '--target', 'local:acct.db'])).code).toBe(0);
    // A connection recorded on the ledger, then dropped from the manifests.
    writeFiles(dir, { 'connections/legacy.yaml': crmConnection('legacy') });
    expect((await run(dir, ['apply', '--auto-approve', '--target', 'local:acct.db'])).code).toBe(0);
    rmSync(join(dir, 'connections/legacy.yaml'));
    commitAll(dir, 'drop legacy');

    const { code, report } = await driftJson(dir);
    expect(code).toBe(2);
    expect(report.findings.map((f) => f.key)).toEqual(['unknown-connection:hand_made', 'ledger-only:Connection:legacy']);
    expect(report.findings[0]).toMatchObject({
      connection: 'hand_made',
      usages: [{ app: 'Order Desk', component: 'function:sync', file: 'apps/order-desk.ds', line: 11 }],
    });
    expect(report.findings[1]).toMatchObject({ resource: 'Connection', linkName: 'legacy' });
    expect(report.findings[1]!.next.commands).toEqual([
      'connectorops import --out connectorops-import --target local:acct.db',
      'connectorops apply --target local:acct.db',
    ]);

    // The pasted import writes the ledger's manifests to copy from; it touches nothing else.
    expect((await paste(dir, report.findings[1]!.next.commands[0]!)).code).toBe(0);
    expect((await run(dir, ['validate', '--dir', 'connectorops-import'])).code).toBe(0);

    const md = (await run(dir, ['drift', '--target', 'local:acct.db', '--format', 'markdown'])).stdout;
    expect(md).toContain('#### 1. Connection unknown to Git and the ledger: code calls connection "hand\\_made", which no manifest and no ledger knows');
    expect(md).toContain('- apps/order\\-desk\\.ds:11:');
    expect(md).toContain('```text\nconnectorops usages\n');
  });

  it('quotes a hostile target name for the shell and escapes it in Markdown', async () => {
    const dir = repo();
    const name = "local:it's @team *x*.db";
    expect((await run(dir, ['apply', '--auto-approve', '--target', name])).code).toBe(0);
    writeFiles(dir, { 'connections/billing.yaml': crmConnection('billing') });
    const json = await driftJson(dir, ['--target', name]);
    expect(json.report.findings[0]!.next.commands[1]).toBe(`connectorops apply --target 'local:it'\\''s @team *x*.db'`);
    expect((await paste(dir, json.report.findings[0]!.next.commands[1]!.replace('apply', 'apply --auto-approve'))).code).toBe(0);
    const md = (await run(dir, ['drift', '--target', name, '--format', 'markdown'])).stdout;
    expect(md).toContain("### Drift on local:it's @\u200bteam \\*x\\*\\.db");
  });

  it('exits 1 with a clear error for bad flags and invalid manifests, and for --repo without a token', async () => {
    const dir = repo();
    const bad = await run(dir, ['drift', '--stale-after', 'soon']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--stale-after takes a whole number of days from 0 to 3650, not "soon"');
    const token = await run(dir, ['drift', '--target', 'local:acct.db', '--repo', 'acme/infra']);
    expect(token.code).toBe(1);
    expect(token.stderr).toContain('Error: GITHUB_TOKEN is not set: drift needs a token that may write issues');
    expect(token.stderr).toContain('permissions: issues: write');
    writeFiles(dir, { 'connections/broken.yaml': 'kind: Connection\nlinkName: [\n' });
    const invalid = await run(dir, ['drift', '--target', 'local:acct.db']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('the manifests are invalid');
  });
});
