/**
 * How the CLI reports a refusal: the rule id names the rule, and points at its entry on
 * docs/rules.md, the page that ships in the package (an anchor that exists, test/docs checks).
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/io.js';
import { reportError } from '../../src/cli/main.js';
import { TargetError, UserError } from '../../src/errors.js';

function capture(): { io: Io; err: () => string } {
  const stderr = new PassThrough();
  let text = '';
  stderr.on('data', (c: Buffer) => (text += c.toString()));
  return { io: { stdout: new PassThrough(), stderr, stdin: new PassThrough(), env: {}, cwd: '/' }, err: () => text };
}

describe('reportError', () => {
  it('points a rule refusal at its entry on docs/rules.md', () => {
    const { io, err } = capture();
    expect(reportError(new TargetError("R9: connector 'crm' still has connections", { rule: 'R9', hint: 'delete them first' }), io)).toBe(1);
    expect(err()).toBe(
      "Error: R9: connector 'crm' still has connections\n  hint: delete them first\n  rule: R9 is explained in docs/rules.md#r9 (in the connectorops package)\n",
    );
  });

  it('names sub-rules and new families alike (R2a, P1), and no page entry for the unnumbered basics', () => {
    const a = capture();
    reportError(new UserError('not ready', { rule: 'R2a' }), a.io);
    expect(a.err()).toContain('docs/rules.md#r2a');
    const p = capture();
    reportError(new UserError('protected', { rule: 'P1' }), p.io);
    expect(p.err()).toContain('docs/rules.md#p1');
    const y = capture();
    reportError(new UserError("connector 'crm' does not exist", { rule: 'exists' }), y.io);
    expect(y.err()).toBe("Error: exists: connector 'crm' does not exist\n");
  });
});
