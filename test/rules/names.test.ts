/** N1–N3 as pure functions: the messages that every layer shows. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { descriptionProblem, linkNameProblem, nameProblem } from '../../src/rules/index.js';
import { NAME_PATTERNS } from '../../src/rules/names.js';

describe('names', () => {
  it('N1: 1–50 characters, starting with a letter, digit or _, specials limited', () => {
    expect(nameProblem('Acme CRM')).toBeNull();
    expect(nameProblem('_x * _ - @ / ! : | & ~ \\ +')).toBeNull();
    expect(nameProblem('Zoho Créateur 2')).toBeNull();
    expect(nameProblem('')).toBe('a name cannot be empty');
    expect(nameProblem('x'.repeat(51))).toBe('a name is at most 50 characters long (this one has 51)');
    expect(nameProblem(' x')).toBe('a name starts with a letter, a digit or _');
    expect(nameProblem('CRM (sales team)')).toBeNull(); // the README's own example
    expect(nameProblem('a#b')).toMatch(/^a name may not contain '#'/);
    expect(nameProblem('a\nb')).toMatch(/^a name may not contain a line break/);
  });

  it('N2: at most 255 characters; specials limited', () => {
    expect(descriptionProblem('')).toBeNull();
    expect(descriptionProblem('CRM, of the sales team (EU) - v2.')).toBeNull();
    expect(descriptionProblem('x'.repeat(256))).toBe('a description is at most 255 characters long (this one has 256)');
    expect(descriptionProblem('50%')).toMatch(/may not contain '%'/);
  });

  it('N3: lower-case identifier of at most 50 characters', () => {
    expect(linkNameProblem('crm_sales2')).toBeNull();
    expect(linkNameProblem('')).toBe('a link name cannot be empty');
    expect(linkNameProblem('a'.repeat(51))).toBe('a link name is at most 50 characters long (this one has 51)');
    expect(linkNameProblem('Crm')).toMatch(/starts with a lower-case letter/);
    fc.assert(fc.property(fc.stringMatching(/^[a-z][a-z0-9_]{0,49}$/), (s) => linkNameProblem(s) === null));
  });
  it('N1 and N2 accept exactly what their full patterns accept (the ASCII forms tried first accept nothing more)', () => {
    const NAME = new RegExp(NAME_PATTERNS.name, 'u');
    const DESCRIPTION = new RegExp(NAME_PATTERNS.description, 'u');
    const text = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'aZ09_ *-@/!:|&~\\+(),.#é\u0301\n'), maxLength: 60 }),
      fc.string({ unit: fc.constantFrom(...'aZ09 ,.()-_*@/\\!:|~&'), minLength: 240, maxLength: 270 }),
      fc.string({ maxLength: 60 }),
      fc.string({ unit: 'grapheme', maxLength: 60 }),
    );
    fc.assert(
      fc.property(text, (s) => {
        expect(nameProblem(s) === null).toBe(NAME.test(s));
        expect(descriptionProblem(s) === null).toBe(DESCRIPTION.test(s));
      }),
      { numRuns: 3000 },
    );
  });
});
