/** The engine under every parser (src/cli/args.ts): help, unknown options, missing values, strays. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isHelp, parseFlags, printUsage } from '../../../src/cli/args.js';
import type { Io } from '../../../src/cli/io.js';
import { refusal } from '../../support/arguments.js';

const OPTIONS = { dir: { type: 'string' }, 'allow-replace': { type: 'boolean', default: false } } as const;

describe('parseFlags', () => {
  it('answers help for -h and --help, wherever they are and whatever else is valid', () => {
    for (const argv of [['-h'], ['--help'], ['--dir', 'x', '--help'], ['-h', 'stray'], ['stray', '--help']]) {
      expect(parseFlags(argv, OPTIONS)).toEqual({ help: true });
    }
  });

  it('parses values and defaults', () => {
    const flags = parseFlags(['--dir', 'x'], OPTIONS);
    expect(isHelp(flags)).toBe(false);
    expect(flags).toEqual({ values: { dir: 'x', 'allow-replace': false }, positionals: [] });
  });

  it('refuses an unknown option, naming the option meant', () => {
    const r = refusal(() => parseFlags(['--dri', 'x'], OPTIONS));
    expect(r.message).toBe("unknown option '--dri'");
    expect(r.hint).toBe("did you mean '--dir'? (run the command with --help for its options)");
    expect(refusal(() => parseFlags(['--allow-replce=1'], OPTIONS)).message).toBe("unknown option '--allow-replce'");
    expect(refusal(() => parseFlags(['--zzzzzz'], OPTIONS)).hint).toBe('run the command with --help for its options');
  });

  it('refuses a string option without its value and a boolean option with one', () => {
    expect(refusal(() => parseFlags(['--dir'], OPTIONS)).message).toBe("option '--dir' needs a value");
    expect(refusal(() => parseFlags(['--allow-replace=yes'], OPTIONS)).message).toBe("option '--allow-replace' takes no value");
  });

  it('refuses a positional argument unless the command takes them', () => {
    const r = refusal(() => parseFlags(['stray'], OPTIONS));
    expect(r.message).toBe("unexpected argument 'stray'");
    expect(parseFlags(['a', '--dir', 'x', 'b'], OPTIONS, true)).toEqual({ values: { dir: 'x', 'allow-replace': false }, positionals: ['a', 'b'] });
  });

  it('does not mutate argv', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('--dir', 'x', '--allow-replace', 'p')), (argv) => {
        const before = [...argv];
        try {
          parseFlags(argv, OPTIONS, true);
        } catch {
          // refusals are other tests' business
        }
        expect(argv).toEqual(before);
      }),
    );
  });
});

describe('printUsage', () => {
  it('writes the usage and a newline to stdout, and is the exit code 0', () => {
    let out = '';
    const io = { stdout: { write: (s: string) => ((out += s), true) } } as unknown as Io;
    expect(printUsage(io, 'Usage: x')).toBe(0);
    expect(out).toBe('Usage: x\n');
  });
});
