import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { shellWord, targetFlagsText } from '../../src/util/shell.js';

describe('targetFlagsText: the flags a pasteable hint carries', () => {
  it('repeats --target and --dir as typed, and nothing for a flag not given', () => {
    expect(targetFlagsText({})).toBe('');
    expect(targetFlagsText({ target: 'local:ex.db' })).toBe(' --target local:ex.db');
    expect(targetFlagsText({ target: 'production', dir: 'infra repo' })).toBe(" --target production --dir 'infra repo'");
  });

  it("leaves a URL's password out (S2)", () => {
    const text = targetFlagsText({ target: 'postgres://ops:hunter2@db.example:5432/acct?schema=prod' });
    expect(text).not.toContain('hunter2');
    expect(text).toContain('postgres://ops@db.example:5432/acct?schema=prod');
  });
});

describe('shellWord', () => {
  it('is a plain word as is, else one single-quoted word that reads back as the same text', () => {
    expect(shellWord('local:ex.db')).toBe('local:ex.db');
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', ' ', "'", '"', '$', '`', '\\', ';', '*', '-', ':') }), (word) => {
        const quoted = shellWord(word);
        if (quoted === word) return;
        expect(quoted.startsWith("'") && quoted.endsWith("'")).toBe(true);
        // Inside single quotes nothing is special; a quote is written '\'' (close, escaped quote, reopen).
        expect(quoted.slice(1, -1).split("'\\''").join("'")).toBe(word);
      }),
    );
  });
});
