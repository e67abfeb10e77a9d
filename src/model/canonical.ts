import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so that equal values always serialize (and hash) alike. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value instanceof Map) return sortKeys(Object.fromEntries([...value.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function sha256(text: string | Buffer): string {
  return 'sha256:' + createHash('sha256').update(text).digest('hex');
}

/**
 * How much canonical text is gathered before it goes into the hash: 64 KB. A megabyte-long string
 * is made in V8's large-object space, which cost five times the CPU on a 100k digest (measured).
 */
const CHUNK = 1 << 16;
/** Levels written piece by piece: a document, its lists, and their items' own fields. Deeper values are written whole. */
const STREAMED_DEPTH = 2;

/**
 * `sha256(canonicalJson(value))`, the same bytes hashed, without ever holding the whole text or a
 * sorted copy of the whole value: the top levels are written piece by piece and fed to the hash
 * in chunks, each item of a list made canonical on its own. A target's digest hashes its whole
 * account (100k connections: a 40 MB text), on every cold read (issue 25).
 */
export function canonicalSha256(value: unknown): string {
  const hash = new ChunkedSha256();
  const write = (piece: string) => hash.write(piece);
  const walk = (v: unknown, depth: number): void => {
    if (depth >= STREAMED_DEPTH || v === null || typeof v !== 'object' || v instanceof Map) return write(canonicalJson(v));
    if (Array.isArray(v)) {
      write('[');
      for (let i = 0; i < v.length; i++) {
        if (i) write(',');
        const item: unknown = v[i];
        // As JSON.stringify writes them in a list.
        if (item === undefined || typeof item === 'function' || typeof item === 'symbol') write('null');
        else walk(item, depth + 1);
      }
      return write(']');
    }
    write('{');
    let first = true;
    for (const key of sortedKeys(v)) {
      const field = (v as Record<string, unknown>)[key];
      if (field === undefined || typeof field === 'function' || typeof field === 'symbol') continue;
      write(`${first ? '' : ','}${JSON.stringify(key)}:`);
      first = false;
      walk(field, depth + 1);
    }
    write('}');
  };
  walk(value, 0);
  return hash.digest();
}

/** sha256 of text written piece by piece, fed to the hash in chunks (`sha256:` and hex, as `sha256` writes it). */
export class ChunkedSha256 {
  readonly #hash = createHash('sha256');
  #text = '';

  write(piece: string): void {
    this.#text += piece;
    if (this.#text.length >= CHUNK) {
      this.#hash.update(this.#text);
      this.#text = '';
    }
  }

  digest(): string {
    this.#hash.update(this.#text);
    return 'sha256:' + this.#hash.digest('hex');
  }
}

/**
 * The keys in the order JSON.stringify writes sortKeys' copy: sorted, except that keys which are
 * array indices ("0", "12") come first in numeric order, as in every JavaScript object.
 */
function sortedKeys(value: object): string[] {
  const order: Record<string, true> = {};
  for (const key of Object.keys(value).sort()) order[key] = true;
  return Object.keys(order);
}
