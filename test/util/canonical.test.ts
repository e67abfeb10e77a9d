/**
 * Canonical JSON: with its keys sorted by insertion it writes what the sorted copy by Array#sort
 * wrote; fed to the hash in pieces, it hashes the same bytes as the whole text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, ChunkedSha256, sha256 } from '../../src/model/canonical.js';

/** canonicalJson as it was defined before its keys were sorted by insertion: `Object.keys(v).sort()`. */
function sortedCopyJson(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v instanceof Map) return sortKeys(Object.fromEntries([...v.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[key];
        if (x !== undefined) out[key] = sortKeys(x);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(sortKeys(value));
}

/** Keys in any order, among them the ones an object orders or treats specially (index-like, `__proto__`), and non-ASCII. */
const key = fc.oneof(
  fc.string({ maxLength: 4, unit: 'binary' }),
  fc.constantFrom('0', '1', '9', '10', '01', '-1', '1.5', '__proto__', 'toJSON', 'a', 'B', 'b', 'ab', 'é', '\u2028', '\ud83d\ude00', '\uffff'),
);

const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.date({ noInvalidDate: true })),
    fc.array(tie('value'), { maxLength: 4 }),
    // Up to 24 keys: past 16 the keys are sorted by Array#sort, below by insertion.
    fc.dictionary(key, tie('value'), { maxKeys: 24 }),
    fc.uniqueArray(fc.tuple(key, tie('value')), { maxLength: 4, selector: ([k]) => k }).map((entries) => new Map(entries)),
  ),
}));

describe('canonicalJson', () => {
  it('writes what the sorted copy by Array#sort wrote (random values, keys in any order)', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(sortedCopyJson(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('sorts a large object (link names of a whole state) as Array#sort does', () => {
    const big = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${(i * 7919) % 5000}`, i]));
    expect(canonicalJson(big)).toBe(sortedCopyJson(big));
  });
});

describe('ChunkedSha256', () => {
  it('feeds a long document (many chunks) to the hash in pieces and still hashes the same bytes', () => {
    const big = { connections: Array.from({ length: 20_000 }, (_, i) => ({ name: `n${i}`, linkName: `l${i}`, usages: [{ kind: 'k', app: 'é' }] })), formatVersion: 2 };
    const text = canonicalJson(big);
    expect(text.length).toBeGreaterThan(1 << 20);
    const hash = new ChunkedSha256();
    // Pieces of uneven sizes, as a digest writes its records.
    for (let i = 0; i < text.length; i += 1 + (i % 997)) hash.write(text.slice(i, i + 1 + (i % 997)));
    expect(hash.digest()).toBe(sha256(text));
  });

  it('hashes a long piece (writeLong, fed in slices) as the UTF-8 of the whole, even where a slice would end inside a surrogate pair', () => {
    const CHUNK = 1 << 16;
    // Pieces around one and two chunks long, with characters that are not one UTF-16 unit (or not a
    // well-formed pair) placed where a slice boundary falls, before short pieces and after them.
    const special = fc.constantFrom('\ud83d\ude00', '\ud800', '\udc00', 'é', '\u2028', '"');
    const long = fc.record({
      length: fc.constantFrom(CHUNK - 2, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK - 1, 2 * CHUNK + 3),
      at: fc.array(fc.record({ back: fc.integer({ min: 0, max: 3 }), chunk: fc.integer({ min: 1, max: 2 }), text: special }), { maxLength: 4 }),
    });
    const piece = fc.oneof(
      long.map(({ length, at }) => {
        const units = Array.from({ length }, () => 'a');
        // Not at its first or last unit: a digest's pieces are whole texts, so no pair is ever
        // split between two pieces (hashing piece by piece never joined one, before or now).
        for (const p of at) {
          const i = p.chunk * CHUNK - p.back;
          if (i >= 1 && i < length - 1) units[i] = p.text;
        }
        return { long: true, text: units.join('') };
      }),
      fc.string({ maxLength: 5, unit: fc.constantFrom('a', '\ud83d\ude00', 'é') }).map((text) => ({ long: false, text })),
    );
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 4 }), (pieces) => {
        const hash = new ChunkedSha256();
        for (const p of pieces) {
          if (p.long) hash.writeLong(p.text);
          else hash.write(p.text);
        }
        expect(hash.digest()).toBe(sha256(pieces.map((p) => p.text).join('')));
      }),
      { numRuns: 60 },
    );
  });

  it('never cuts a slice between the halves of a pair, even one that follows a lone high surrogate at a slice boundary', () => {
    const CHUNK = 1 << 16;
    for (const text of [
      `${'a'.repeat(CHUNK - 1)}\ud800\ud83d\ude00${'a'.repeat(10)}`,
      `${'a'.repeat(CHUNK - 1)}\ud83d\ude00${'a'.repeat(10)}`,
      `${'a'.repeat(CHUNK - 2)}\ud800\ud800\ud83d\ude00${'a'.repeat(CHUNK)}`,
    ]) {
      const hash = new ChunkedSha256();
      hash.writeLong(text);
      expect(hash.digest()).toBe(sha256(text));
    }
  });
});
