/**
 * Invariants of loading, over generated accounts: any valid desired state, written as manifests in
 * any layout the format allows, loads back with no errors to the same state and the same digest.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { manifestDigest, validateManifests, type ManifestText } from '../../src/manifest/validate.js';
import type { DesiredConnection, DesiredConnector, DesiredState, State } from '../../src/model/types.js';
import { validState } from '../support/arbitraries.js';

type Wanted = { connectors: Omit<DesiredConnector, 'source'>[]; connections: Omit<DesiredConnection, 'source'>[] };

/** What the manifests of an account say: the account's wanted values, secrets as references. */
function wanted(state: State, secretsOfDrafts: boolean): Wanted {
  return {
    connectors: [...state.connectors.values()].map((c) => {
      const secret = c.authentication.type === 'oauth2' ? 'clientSecret' : c.authentication.type === 'oauth1' ? 'consumerSecret' : null;
      const withSecret = secret && (c.stage === 'ready' || secretsOfDrafts);
      return {
        linkName: c.linkName,
        name: c.name,
        description: c.description,
        stage: c.stage,
        enabled: c.enabled,
        authentication: c.authentication,
        secrets: withSecret ? { [secret]: { fromEnv: `${c.linkName.toUpperCase()}_SECRET` } } : {},
      };
    }),
    connections: [...state.connections.values()].map((c) => ({
      linkName: c.linkName,
      name: c.name,
      connector: c.connector,
      enabled: c.enabled,
      scopes: c.scopes,
      authorizationOwner: c.authorizationOwner,
      sameAuthorizationForAllEnvironments: c.sameAuthorizationForAllEnvironments,
      ...(c.access ? { access: c.access } : {}),
    })),
  };
}

interface Layout {
  /** Write values equal to the default anyway. */
  explicitDefaults: boolean;
  /** A single apiKey parameter flat rather than as a one-item list. */
  flatApiKey: boolean;
  flow: boolean;
  /** Documents per file. */
  perFile: number;
  /** Put every document in connectors/ (kind decides, not the folder). */
  oneFolder: boolean;
  comments: boolean;
}

function documents(w: Wanted, layout: Layout): { folder: string; doc: Record<string, unknown> }[] {
  const dflt = <T>(value: T, isDefault: boolean) => (isDefault && !layout.explicitDefaults ? undefined : value);
  const connectors = w.connectors.map((c) => {
    let auth: Record<string, unknown> = { ...c.authentication };
    if (c.authentication.type === 'apiKey') {
      const ps = c.authentication.parameters;
      auth = ps.length === 1 && layout.flatApiKey ? { type: 'apiKey', ...ps[0] } : ps.length === 0 ? { type: 'apiKey' } : { type: 'apiKey', parameters: ps };
    }
    if (c.authentication.type === 'oauth2') {
      auth.scopes = dflt(c.authentication.scopes, c.authentication.scopes.length === 0);
      auth.scopeSeparator = dflt(c.authentication.scopeSeparator, c.authentication.scopeSeparator === ',');
    }
    for (const [name, ref] of Object.entries(c.secrets)) auth[name] = ref;
    return {
      folder: 'connectors',
      doc: {
        kind: 'Connector',
        linkName: c.linkName,
        name: c.name,
        description: dflt(c.description, c.description === ''),
        stage: dflt(c.stage, c.stage === 'ready'),
        enabled: dflt(c.enabled, c.enabled),
        authentication: auth,
      },
    };
  });
  const connections = w.connections.map((c) => ({
    folder: layout.oneFolder ? 'connectors' : 'connections',
    doc: {
      kind: 'Connection',
      linkName: c.linkName,
      name: c.name,
      connector: c.connector,
      enabled: dflt(c.enabled, c.enabled),
      scopes: dflt(c.scopes, c.scopes.length === 0),
      authorizationOwner: dflt(c.authorizationOwner, c.authorizationOwner === 'admin'),
      sameAuthorizationForAllEnvironments: dflt(c.sameAuthorizationForAllEnvironments, c.sameAuthorizationForAllEnvironments),
      access: c.access,
    },
  }));
  return [...connectors, ...connections];
}

function files(w: Wanted, layout: Layout): ManifestText[] {
  const docs = documents(w, layout);
  const out: ManifestText[] = [];
  for (let i = 0; i < docs.length; i += layout.perFile) {
    const group = docs.slice(i, i + layout.perFile);
    const text = group.map(({ doc }) => (layout.comments ? '# a comment\n' : '') + stringify(doc, { collectionStyle: layout.flow ? 'flow' : 'block' })).join('---\n');
    out.push({ path: `${group[0]!.folder}/g${i % 3}/file${i}.yaml`, text: (layout.comments ? '# yaml-language-server: $schema=x\n' : '') + text });
  }
  return out;
}

const byLink = <T extends { linkName: string }>(xs: T[]) => [...xs].sort((a, b) => (a.linkName < b.linkName ? -1 : 1));

/** The desired state without source locations, in link-name order. */
function plain(d: DesiredState): Wanted {
  const strip = <T extends { source: unknown }>({ source: _s, ...rest }: T) => rest;
  return { connectors: byLink([...d.connectors.values()].map(strip)), connections: byLink([...d.connections.values()].map(strip)) };
}

const layout: fc.Arbitrary<Layout> = fc.record({
  explicitDefaults: fc.boolean(),
  flatApiKey: fc.boolean(),
  flow: fc.boolean(),
  perFile: fc.integer({ min: 1, max: 4 }),
  oneFolder: fc.boolean(),
  comments: fc.boolean(),
});

describe('manifests round-trip', () => {
  it('any valid account, in any layout, loads back with no errors and the same desired state', () => {
    fc.assert(
      fc.property(validState(5, 8), fc.boolean(), layout, (state, secretsOfDrafts, l) => {
        const w = wanted(state, secretsOfDrafts);
        const v = validateManifests(files(w, l));
        expect(v.errors).toEqual([]);
        expect(v.warnings.filter((d) => d.code !== 'unused')).toEqual([]);
        expect(plain(v.desired)).toEqual({ connectors: byLink(w.connectors), connections: byLink(w.connections) });
        // Every document's source is where it starts: its `kind` key, or the { of a flow mapping.
        const texts = new Map(files(w, l).map((f) => [f.path, f.text]));
        for (const c of [...v.desired.connectors.values(), ...v.desired.connections.values()]) {
          const line = texts.get(c.source.file)!.split('\n')[c.source.line - 1]!;
          expect(line.slice(c.source.col - 1)).toMatch(/^(\{|kind: Conn)/);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('the digest depends on the state only, never on the layout', () => {
    fc.assert(
      fc.property(validState(4, 6), layout, layout, (state, a, b) => {
        const w = wanted(state, true);
        const da = validateManifests(files(w, a));
        const db = validateManifests(files(w, b));
        expect(da.errors).toEqual([]);
        expect(manifestDigest(da.desired)).toBe(manifestDigest(db.desired));
      }),
      { numRuns: 80 },
    );
  });

  it('never throws on mangled manifests, and every diagnostic has a real position', () => {
    fc.assert(
      fc.property(validState(3, 4), layout, fc.array(fc.tuple(fc.nat(), fc.nat(4), fc.string({ maxLength: 4 })), { maxLength: 4 }), (state, l, edits) => {
        const fs = files(wanted(state, false), l);
        // Splice random text into random places.
        for (const [at, del, ins] of edits) {
          const f = fs[at % Math.max(fs.length, 1)];
          if (!f) continue;
          const pos = at % (f.text.length + 1);
          f.text = f.text.slice(0, pos) + ins + f.text.slice(pos + del);
        }
        const v = validateManifests(fs);
        const lines = new Map(fs.map((f) => [f.path, f.text.split('\n').length]));
        for (const d of [...v.errors, ...v.warnings]) {
          expect(lines.has(d.file)).toBe(true);
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.line).toBeLessThanOrEqual(lines.get(d.file)!);
          expect(d.col).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 200 },
    );
  });
});
