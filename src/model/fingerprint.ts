/**
 * The shape of a secret fingerprint (S2), so that every layer can tell whether two fingerprints
 * can be compared at all. A target writes `hmac-sha256:<keyId>:<mac>`, where keyId names the
 * HMAC key it used (a short hash of the key, never the key). Two fingerprints made under
 * different keys say nothing about whether the secrets differ: such a pair is "not comparable",
 * and the earlier one counts as not recorded (the secret is adopted, not changed, and revokes nothing).
 * Pure: no key and no hashing here; the targets own those.
 */

export const FINGERPRINT_SCHEME = 'hmac-sha256';

const FORMAT = /^hmac-sha256:([0-9a-f]{4,64}):([A-Za-z0-9_-]+)$/;

/** The key id of a fingerprint in the `hmac-sha256:<keyId>:<mac>` form, or null for any other string. */
export function fingerprintKeyId(fingerprint: string): string | null {
  const m = FORMAT.exec(fingerprint);
  return m ? m[1]! : null;
}

/**
 * Whether two fingerprints were made under the same key, so that `a === b` means "same secret".
 * Strings that are not in the target format (hand-written snapshots, test fixtures) compare only
 * with each other, verbatim.
 */
export function fingerprintsComparable(a: string, b: string): boolean {
  return fingerprintKeyId(a) === fingerprintKeyId(b);
}
