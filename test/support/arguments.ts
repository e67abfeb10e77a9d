/**
 * Helpers for the argument parsers' tests (test/cli/arguments/): the UserError a parser throws,
 * and the property that the order of flags (and `--flag=value` against `--flag value`) does not
 * change what they parse to.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { UserError } from '../../src/errors.js';

/** The UserError `fn` throws; fails the test when it throws nothing or something else. */
export function refusal(fn: () => unknown): { message: string; hint: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    const { message, details } = error as UserError;
    expect(details.hint, `a hint for: ${message}`).toBeTruthy();
    return { message, hint: details.hint ?? '' };
  }
  throw new Error('expected a UserError, and nothing was thrown');
}

/**
 * For any order of `flags` (each an option with its value, if any), with `positionals` placed
 * anywhere among them in their own order, and any mix of `--flag value` and `--flag=value`,
 * `parse` answers what it answers for the order given.
 */
export function expectOrderFree(parse: (argv: string[]) => unknown, flags: string[][], positionals: string[] = []): void {
  const expected = parse([...positionals, ...flags.flat()]);
  const units: (string[] | number)[] = [...flags, ...positionals.map((_, i) => i)];
  fc.assert(
    fc.property(
      fc.shuffledSubarray(units, { minLength: units.length }),
      fc.array(fc.boolean(), { minLength: units.length, maxLength: units.length }),
      (order, joined) => {
        let next = 0;
        const argv = order.flatMap((unit, i) => {
          if (typeof unit === 'number') return [positionals[next++]!];
          return unit.length === 2 && unit[0]!.startsWith('--') && joined[i] ? [`${unit[0]}=${unit[1]}`] : unit;
        });
        expect(parse(argv)).toEqual(expected);
      },
    ),
  );
}
