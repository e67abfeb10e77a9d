/** The one credential-free target identity (issue 18, item 3): never the password, however it is spelled. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { targetIdentity } from '../../src/util/target-identity.js';

describe('targetIdentity', () => {
  it.each([
    ['postgres://ops:Hunter@2secret@db.example:5433/acme?schema=prod&sslmode=require', 'postgres://ops@db.example:5433/acme?schema=prod'],
    ['  postgres://ops:pw@h/db?schema=x', 'postgres://ops@h/db?schema=x'],
    ['postgresql://ops@h/db', 'postgresql://ops@h/db'],
    ['postgres://h/db?password=leaked&schema=s', 'postgres://h/db?schema=s'],
    ['postgres://ops:pa/ss?w#rd@h/db?schema=s', 'postgres://ops@h/db?schema=s'],
    ['https://u:p@h:8443/x?t=1#f', 'https://h:8443/x'],
    ['postgres:/ops:pw@h/db', 'postgres:/ops@h/db'],
    ['production', 'production'],
    ['local:/tmp/a@b.db', 'local:/tmp/a@b.db'],
    [' local:/a/b.db', 'local:/a/b.db'],
  ])('%s → %s', (spec, identity) => {
    expect(targetIdentity(spec)).toBe(identity);
  });

  it('a PostgreSQL URL keeps user, host, port, database and schema, and never any part of the password', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.constantFrom('', ' ', '\t '), (password, lead) => {
        const canary = `CANARY${password}`;
        const identity = targetIdentity(`${lead}postgres://ops:${canary}@db.example:5432/acme?schema=prod&sslmode=disable`);
        expect(identity).toBe('postgres://ops@db.example:5432/acme?schema=prod');
      }),
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string(), (spec) => {
        expect(targetIdentity(targetIdentity(spec))).toBe(targetIdentity(spec));
      }),
    );
  });
});
