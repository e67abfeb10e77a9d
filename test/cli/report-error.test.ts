/**
 * How the CLI reports a refusal: the rule id names the rule, and points at its entry on
 * docs/rules.md, the page that ships in the package (an anchor that exists, test/docs checks).
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/io.js';
import { main, reportError } from '../../src/cli/main.js';
import { TargetError, UserError } from '../../src/errors.js';

function capture(): { io: Io; err: () => string; out: () => string } {
  const stderr = new PassThrough();
  const stdout = new PassThrough();
  let text = '';
  let out = '';
  stderr.on('data', (c: Buffer) => (text += c.toString()));
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  return { io: { stdout, stderr, stdin: new PassThrough(), env: {}, cwd: '/' }, err: () => text, out: () => out };
}

describe('connectorops --help', () => {
  it('names every subcommand of target, as `target --help` lists them', async () => {
    const top = capture();
    await main(['--help'], top.io);
    const target = capture();
    await main(['target', '--help'], target.io);
    const subcommands = [...target.out().matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]!);
    expect(subcommands).toContain('deauthorize');
    const line = top
      .out()
      .split('\n')
      .find((l) => l.trimStart().startsWith('target '));
    for (const sub of subcommands) expect(line, sub).toMatch(new RegExp(`\\b${sub}\\b`));
  });
});

describe('reportError', () => {
  it('points a rule refusal at its entry on docs/rules.md', () => {
    const { io, err } = capture();
    expect(reportError(new TargetError("R9: connector 'crm' still has connections", { rule: 'R9', hint: 'delete them first' }), io)).toBe(1);
    expect(err()).toBe(
      "Error: R9: connector 'crm' still has connections\n  hint: delete them first\n  rule: R9 is explained in docs/rules.md#r9 (in the connectorops package)\n",
    );
  });

  it('names sub-rules and new families alike (R2a, P1, A1), and no page entry for the unnumbered basics', () => {
    const a = capture();
    reportError(new UserError('not ready', { rule: 'R2a' }), a.io);
    expect(a.err()).toContain('docs/rules.md#r2a');
    const p = capture();
    reportError(new UserError('protected', { rule: 'P1' }), p.io);
    expect(p.err()).toContain('docs/rules.md#p1');
    // Connection Access (A1, A2) is a family of docs/rules.md like the others.
    const access = capture();
    reportError(new UserError('not in the access list', { rule: 'A1' }), access.io);
    expect(access.err()).toContain('rule: A1 is explained in docs/rules.md#a1');
    const y = capture();
    reportError(new UserError("connector 'crm' does not exist", { rule: 'exists' }), y.io);
    expect(y.err()).toBe("Error: exists: connector 'crm' does not exist\n");
  });
});
