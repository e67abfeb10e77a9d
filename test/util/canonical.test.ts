/** The chunked hash of canonical JSON: fed to the hash in pieces, it hashes the same bytes as the whole text. */
import { describe, expect, it } from 'vitest';
import { canonicalJson, ChunkedSha256, sha256 } from '../../src/model/canonical.js';

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
});
