/**
 * Secret fingerprints (S2): an HMAC-SHA-256 of the secret value under a random 32-byte key that
 * the target generates once and never gives out (it is not in exports, errors or logs).
 * A fingerprint reads `hmac-sha256:<keyId>:<base64url mac>`; keyId is a short hash of the key,
 * so that a fingerprint made under another target's key is recognisable as such
 * (model/fingerprint.ts): it never equals one of ours and counts as "not recorded".
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { FINGERPRINT_SCHEME } from '../../model/fingerprint.js';
import { InternalError } from '../../errors.js';

const FINGERPRINT_KEY_BYTES = 32;

/** A fresh key, base64 as stored in the target's `meta` table. */
export function newFingerprintKey(): string {
  return randomBytes(FINGERPRINT_KEY_BYTES).toString('base64');
}

/**
 * The key id: 12 hex digits of a domain-separated hash of the key. It names the key without
 * revealing anything useful about it (the key is 256 random bits).
 */
function fingerprintKeyIdOf(key: Buffer): string {
  return createHash('sha256').update('connectorops fingerprint key id\0').update(key).digest('hex').slice(0, 12);
}

/** Computes fingerprints under one key. Holds the key; never exposes it. */
export class Fingerprinter {
  readonly keyId: string;
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== FINGERPRINT_KEY_BYTES) throw new InternalError(`a fingerprint key has ${FINGERPRINT_KEY_BYTES} bytes`);
    this.#key = key;
    this.keyId = fingerprintKeyIdOf(key);
  }

  fingerprint(value: string): string {
    const mac = createHmac('sha256', this.#key).update(value, 'utf8').digest('base64url');
    return `${FINGERPRINT_SCHEME}:${this.keyId}:${mac}`;
  }

  // A Fingerprinter that ends up in a log or an error must not show its key.
  toJSON(): { keyId: string } {
    return { keyId: this.keyId };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Fingerprinter { keyId: '${this.keyId}' }`;
  }
}
