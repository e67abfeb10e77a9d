/**
 * `redactParts` (src/model/redact.ts): a server's words may quote a token whole, cut, or in pieces
 * between other text; what is left holds no run of MIN_REDACTED_PART characters of the token, and
 * text that shares no such run with it is left as it was.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_REDACTED_PART, redactParts } from '../../src/model/redact.js';

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-';
const token = fc.string({ unit: fc.constantFrom(...ALNUM), minLength: MIN_REDACTED_PART, maxLength: 64 });
/** Words around the quoted parts: no letter or digit, so they never extend a part of the token. */
const filler = fc.string({ unit: fc.constantFrom(' ', ':', '"', '\n', '=', '/', '\u001b'), maxLength: 12 });

function runsOf(value: string): string[] {
  return Array.from({ length: value.length - MIN_REDACTED_PART + 1 }, (_, i) => value.slice(i, i + MIN_REDACTED_PART));
}

describe('redactParts', () => {
  it('leaves no run of MIN_REDACTED_PART characters of the token, however it is cut and quoted', () => {
    fc.assert(
      fc.property(token, fc.array(fc.tuple(filler, fc.nat(), fc.nat()), { maxLength: 6 }), (secret, pieces) => {
        const text =
          pieces.map(([f, a, b]) => f + secret.slice(Math.min(a, b) % (secret.length + 1), Math.max(a, b) % (secret.length + 1) || secret.length)).join('') + secret;
        const out = redactParts(text, [secret]);
        for (const run of runsOf(secret)) expect(out).not.toContain(run);
        expect(out).toContain('(sensitive)');
      }),
    );
  });

  it('changes nothing in text that shares no such run with the token', () => {
    fc.assert(
      fc.property(token, fc.string({ maxLength: 200 }), (secret, text) => {
        fc.pre(runsOf(secret).every((run) => !text.includes(run)));
        expect(redactParts(text, [secret])).toBe(text);
      }),
    );
  });

  it('redacts a value shorter than a part whole, as redact does', () => {
    expect(redactParts('pin 12345 and 1234', ['12345'])).toBe('pin (sensitive) and 1234');
    expect(redactParts('Bearer (sensitive)', ['abc'])).toBe('Bearer (sensitive)');
  });
});
