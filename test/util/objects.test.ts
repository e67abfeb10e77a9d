import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { definedOnly } from '../../src/util/objects.js';

describe('definedOnly (absent flags, error details, parsed records stay absent)', () => {
  it('keeps exactly the entries that are not undefined', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[a-z]{1,5}$/), fc.option(fc.oneof(fc.string(), fc.integer(), fc.boolean()), { nil: undefined })), (values) => {
        const out = definedOnly(values);
        expect(Object.keys(out).sort()).toEqual(
          Object.keys(values)
            .filter((k) => values[k] !== undefined)
            .sort(),
        );
        for (const [k, v] of Object.entries(out)) expect(v).toBe(values[k]);
      }),
    );
  });
});
