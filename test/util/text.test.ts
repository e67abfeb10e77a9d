import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agree, capitalize, closest, didYouMean, plural } from '../../src/util/text.js';

describe('closest: the one did-you-mean of commands, options, targets, manifest keys and connections', () => {
  it('finds a typo of a command, an option (dashes aside) and a manifest key (case aside)', () => {
    expect(closest('plann', ['plan', 'apply', 'validate'])).toBe('plan');
    expect(closest('--dri', ['--dir', '--ref', '--target'])).toBe('--dir');
    expect(closest('Authentcation', ['name', 'authentication', 'description'])).toBe('authentication');
    expect(closest('exprot', ['export', 'import', 'authorize'])).toBe('export');
  });

  it('takes the one name a word abbreviates or extends', () => {
    expect(closest('prod', ['production', 'staging'])).toBe('production');
    expect(closest('stag', ['production', 'staging'])).toBe('staging');
  });

  it('guesses nothing when no name is close, or when the abbreviation is ambiguous and far', () => {
    expect(closest('zzz', ['plan', 'apply'])).toBeUndefined();
    expect(closest('deploy', ['plan', 'apply', 'validate'])).toBeUndefined();
    expect(closest('', ['plan'])).toBeUndefined();
    expect(closest('--', ['--dir'])).toBeUndefined();
  });

  it('always answers a known name or nothing, and a known name typed exactly is itself', () => {
    const name = fc.stringMatching(/^[a-z][a-z-]{0,12}$/);
    fc.assert(
      fc.property(fc.uniqueArray(name, { minLength: 1, maxLength: 8 }), name, (known, typed) => {
        const guess = closest(typed, known);
        expect(guess === undefined || known.includes(guess)).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.uniqueArray(name, { minLength: 1, maxLength: 8 }), fc.nat(), (known, i) => {
        const exact = known[i % known.length]!;
        // Another name may extend it (`ab` of `abc`), but the exact one is never beaten by a farther one.
        expect(closest(exact, known)).toBeDefined();
      }),
    );
  });

  it('prefers a near misspelling to a name the typo merely starts with (issue 24)', () => {
    expect(closest('scopeSeperator', ['scopes', 'scopeSeparator', 'addTo'])).toBe('scopeSeparator');
    expect(closest('targets', ['target', 'plan'])).toBe('target');
  });

  it('didYouMean words the guess, or says nothing', () => {
    expect(didYouMean('valdate', ['validate', 'plan'])).toBe("did you mean 'validate'?");
    expect(didYouMean('xyzzy', ['validate', 'plan'])).toBe('');
    expect(didYouMean('stag', ['staging'], (s) => `«${s}»`)).toBe('did you mean «staging»?');
  });
});

describe('plural and capitalize', () => {
  it('counts a noun, and capitalizes a sentence', () => {
    expect(plural(1, 'connector')).toBe('1 connector');
    expect(plural(2, 'connector')).toBe('2 connectors');
    expect(plural(0, 'entry', 'entries')).toBe('0 entries');
    expect(capitalize('connector crm')).toBe('Connector crm');
    expect(capitalize('')).toBe('');
  });
});

describe('agree and plural: the one way a count chooses its word', () => {
  it('one for exactly 1, many for every other count (0 included); plural puts the count first', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.constantFrom(['connection', 'connections'], ['is', 'are'], ['entry', 'entries']), (n, [one, many]) => {
        expect(agree(n, one, many)).toBe(n === 1 ? one : many);
        expect(plural(n, one, many)).toBe(`${n} ${agree(n, one, many)}`);
      }),
    );
    expect(agree(2, 'warning')).toBe('warnings');
    expect(plural(1, 'usage')).toBe('1 usage');
  });
});
