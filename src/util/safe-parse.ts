/**
 * `schema.safeParse(value)` for input: a file, a request, a server's answer.
 *
 * Why not zod's own call alone: zod gathers the problems of a list's entries with
 * `issues.push(...entryIssues)`, whose arguments all go on the stack, so a list of ~150,000 bad
 * entries (a 300 KB snapshot of `[1,1,1,…]`, a manifest's scopes, a plan's actions) overflows it:
 * zod throws a RangeError instead of failing the parse, and a person saw an "Internal error".
 * Such input fails here like any other, with one problem at its root that says so.
 */
import * as z from 'zod';

/** What the one problem of input with too many to list says. */
const TOO_MANY_PROBLEMS = 'too many problems to list (many thousands of entries are wrong)';

export function safeParse<T extends z.ZodType>(schema: T, value: unknown): z.ZodSafeParseResult<z.output<T>> {
  try {
    return schema.safeParse(value);
  } catch (thrown) {
    // The stack overflow above; anything else is a bug of ours, and stays one.
    if (!(thrown instanceof RangeError)) throw thrown;
    const error = new z.ZodError([{ code: 'custom', path: [], message: TOO_MANY_PROBLEMS, input: value }]) as z.ZodError<z.output<T>>;
    return { success: false, error };
  }
}
