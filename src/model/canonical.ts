import type { Hash } from 'node:crypto';

/**
 * A sha256 hash, from node:crypto loaded when first asked for: loading it costs 5–9 ms of a
 * command's start-up (Node 24), and `validate`, which loads this module, never hashes anything
 * (bench/startup.bench.js).
 */
function newSha256(): Hash {
  return process.getBuiltinModule('node:crypto').createHash('sha256');
}

/** JSON with object keys sorted, so that equal values always serialize (and hash) alike. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value instanceof Map) return sortKeys(Object.fromEntries([...value.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of sortedKeys(value)) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/**
 * `Object.keys(value).sort()`, sorted by insertion when there are few: most objects have a handful of keys, and for so few
 * a loop of `<` costs a third less than Array#sort's call (measured on a 1,000-action plan's
 * planId, ~7,700 objects). Both compare UTF-16 code units, and keys are distinct, so the order is the same.
 */
function sortedKeys(value: object): string[] {
  const keys = Object.keys(value);
  // Insertion is quadratic: a large object (the link names of a whole state) takes Array#sort.
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    if (keys[j]! < key) continue;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

export function sha256(text: string | Buffer): string {
  return 'sha256:' + newSha256().update(text).digest('hex');
}

/**
 * How much canonical text is gathered before it goes into the hash: 64 KB. A megabyte-long string
 * is made in V8's large-object space, which cost five times the CPU on a 100k digest (measured).
 */
const CHUNK = 1 << 16;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** sha256 of text written piece by piece, fed to the hash in chunks (`sha256:` and hex, as `sha256` writes it). */
export class ChunkedSha256 {
  readonly #hash = newSha256();
  #text = '';

  write(piece: string): void {
    this.#text += piece;
    if (this.#text.length >= CHUNK) {
      this.#hash.update(this.#text);
      this.#text = '';
    }
  }

  /**
   * `write`, for a piece that may be long (a store's text of many records): not copied into a
   * chunk, but fed to the hash a CHUNK-long slice at a time. One `update` of a 37 MB string first
   * writes all of it as UTF-8 into a buffer of its own (a fresh 37 MB, hashed after it has left
   * the cache): twice the CPU of the slices (the 100k cold read's 35 MB of connections: 42 → 20 ms, measured, issue 25).
   * A slice never ends between the two halves of a surrogate pair, which alone would each be
   * written as U+FFFD: the bytes hashed are the whole piece's UTF-8, as one `update` wrote them.
   */
  writeLong(piece: string): void {
    if (piece.length < CHUNK) return this.write(piece);
    if (this.#text) this.#hash.update(this.#text);
    this.#text = '';
    for (let at = 0; at < piece.length;) {
      let end = Math.min(at + CHUNK, piece.length);
      // Never right after a high surrogate: that unit goes to the next slice, with whatever follows it.
      if (end < piece.length && isHighSurrogate(piece.charCodeAt(end - 1))) end--;
      this.#hash.update(piece.slice(at, end));
      at = end;
    }
  }

  digest(): string {
    this.#hash.update(this.#text);
    return 'sha256:' + this.#hash.digest('hex');
  }
}
