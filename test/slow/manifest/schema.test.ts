/** The zod schemas, the JSON Schema generated from them, and the name rules they share with rules/. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnectionDoc, ConnectorDoc, PATTERNS, jsonSchemas } from '../../../src/manifest/schema.js';
import { descriptionProblem, linkNameProblem, nameProblem } from '../../../src/rules/names.js';
import { ROOT } from '../../support/dist.js';

describe('JSON Schema', () => {
  it('the committed files in schema/ are what the generator writes (run `npm run schema` after a change)', () => {
    for (const [file, schema] of Object.entries(jsonSchemas())) {
      const committed = readFileSync(join(ROOT, 'schema', file), 'utf8');
      expect(committed, `schema/${file} is stale: run npm run schema`).toBe(JSON.stringify(schema, null, 2) + '\n');
    }
  });

  it('every example manifest names the manifest schema on its first line', () => {
    for (const folder of ['connectors', 'connections']) {
      for (const file of readdirSync(join(ROOT, folder))) {
        const first = readFileSync(join(ROOT, folder, file), 'utf8').split('\n')[0];
        expect(first, `${folder}/${file}`).toBe('# yaml-language-server: $schema=../schema/manifest.schema.json');
      }
    }
  });

  it('describes the defaults and forbids unknown keys', () => {
    const schema = jsonSchemas()['manifest.schema.json'] as { oneOf: { properties: Record<string, { default?: unknown }>; additionalProperties: boolean }[] };
    const [connector, connection] = schema.oneOf;
    expect(connector!.properties.stage!.default).toBe('ready');
    expect(connector!.properties.enabled!.default).toBe(true);
    expect(connector!.properties.description!.default).toBe('');
    expect(connection!.properties.scopes!.default).toEqual([]);
    expect(connector!.additionalProperties).toBe(false);
    expect(connection!.additionalProperties).toBe(false);
  });
});

describe('name rules: the editor patterns agree with the rules/ functions', () => {
  // Characters near the edges of what N1/N2 allow, so that random strings hit both sides often.
  const char = fc.constantFrom(...'aZéÀΣ日_-*@/!:|&~\\+ ,.()#\'"?%$\t\n0٣\u0301²'.split(''));
  const text = (max: number) => fc.array(char, { maxLength: max }).map((cs) => cs.join(''));
  const agree = (pattern: string, problem: (s: string) => string | null, arb: fc.Arbitrary<string>) =>
    fc.assert(
      fc.property(arb, (s) => new RegExp(pattern, 'u').test(s) === (problem(s) === null)),
      { numRuns: 2000 },
    );

  it('N1', () => agree(PATTERNS.name, nameProblem, fc.oneof(text(8), text(60), fc.string({ unit: 'grapheme', maxLength: 55 }))));
  it('N2', () => agree(PATTERNS.description, descriptionProblem, fc.oneof(text(10), text(300), fc.string({ unit: 'grapheme', maxLength: 260 }))));
  it('N3', () => agree(PATTERNS.linkName, linkNameProblem, fc.oneof(fc.stringMatching(/^[a-z0-9_A-Z-]{0,55}$/), fc.string({ maxLength: 55 }))));

  it('N3: every link name the rule allows passes the schema; nothing else does', () => {
    const allowed = fc.stringMatching(/^[a-z][a-z0-9_]{0,49}$/);
    fc.assert(fc.property(allowed, (link) => ConnectionDoc.safeParse({ kind: 'Connection', linkName: link, name: 'N', connector: link }).success));
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (link) => {
        const ok = /^[a-z][a-z0-9_]{0,49}$/.test(link);
        return ConnectorDoc.safeParse({ kind: 'Connector', linkName: link, name: 'N', authentication: { type: 'basic' } }).success === ok;
      }),
    );
  });
});
