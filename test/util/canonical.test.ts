/** Canonical JSON and its hash: the streamed hash is the hash of the whole text, for any JSON value (property). */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson, canonicalSha256, sha256 } from '../../src/model/canonical.js';

describe('canonicalSha256', () => {
  it('is sha256 of canonicalJson, whatever the value: keys sorted, undefined fields left out, lists kept in order', () => {
    // Documents shaped like a snapshot (lists of records at the second level) and any JSON at all.
    const record = fc.dictionary(fc.string(), fc.oneof(fc.jsonValue(), fc.constant(undefined)));
    const documents = fc.oneof(fc.dictionary(fc.string(), fc.oneof(fc.array(record), fc.jsonValue(), fc.constant(undefined))), fc.jsonValue());
    fc.assert(
      fc.property(documents, (value) => {
        expect(canonicalSha256(value)).toBe(sha256(canonicalJson(value)));
      }),
      { numRuns: 300 },
    );
  });

  it('feeds a long document (many chunks) to the hash in pieces and still hashes the same bytes', () => {
    const big = { connections: Array.from({ length: 20_000 }, (_, i) => ({ name: `n${i}`, linkName: `l${i}`, usages: [{ kind: 'k', app: 'é' }] })), formatVersion: 2 };
    expect(canonicalJson(big).length).toBeGreaterThan(1 << 20);
    expect(canonicalSha256(big)).toBe(sha256(canonicalJson(big)));
  });
});
