/** The pure core: file texts in, desired state and diagnostics (with positions) out. */
import { describe, expect, it, vi } from 'vitest';
import type { Diagnostic } from '../../src/errors.js';
import { manifestDigest, validateManifests } from '../../src/manifest/validate.js';
import { lineOf } from '../support/repo.js';
import { APIKEY, BASIC, CONNECTION, OAUTH1, OAUTH2, SECRET_VALUE } from './docs.js';

const validate = (files: Record<string, string>) => validateManifests(Object.entries(files).map(([path, text]) => ({ path, text })));
const only = (ds: Diagnostic[]) => {
  expect(ds).toHaveLength(1);
  return ds[0]!;
};

describe('the desired state of valid manifests', () => {
  it('applies the defaults: stage ready, enabled, empty description, scopes [], separator ","', () => {
    const v = validate({
      'connectors/a.yaml':
        'kind: Connector\nlinkName: crm\nname: CRM\nauthentication:\n  type: oauth2\n  grantType: client_credentials\n  clientId: x\n  clientSecret: { fromEnv: S }\n  accessTokenUrl: https://a.example/t\n',
      'connections/b.yaml': 'kind: Connection\nlinkName: crm_a\nname: A\nconnector: crm\n',
    });
    expect(v.errors).toEqual([]);
    expect(v.desired.connectors.get('crm')).toEqual({
      linkName: 'crm',
      name: 'CRM',
      description: '',
      stage: 'ready',
      enabled: true,
      authentication: { type: 'oauth2', grantType: 'client_credentials', clientId: 'x', accessTokenUrl: 'https://a.example/t', scopes: [], scopeSeparator: ',' },
      secrets: { clientSecret: { fromEnv: 'S' } },
      source: { file: 'connectors/a.yaml', line: 1, col: 1 },
    });
    expect(v.desired.connections.get('crm_a')).toEqual({
      linkName: 'crm_a',
      name: 'A',
      connector: 'crm',
      enabled: true,
      scopes: [],
      authorizationOwner: 'admin',
      sameAuthorizationForAllEnvironments: true,
      source: { file: 'connections/b.yaml', line: 1, col: 1 },
    });
  });

  it('takes secrets out of the authentication, as references (S1)', () => {
    const v = validate({ 'connectors/a.yaml': OAUTH1 });
    const erp = v.desired.connectors.get('erp')!;
    expect(erp.secrets).toEqual({ consumerSecret: { fromEnv: 'ERP_CONSUMER_SECRET' } });
    expect(erp.authentication).not.toHaveProperty('consumerSecret');
  });

  it('normalizes a flat apiKey parameter to a list of one, and keeps a list as it is', () => {
    const v = validate({
      'connectors/a.yaml': `${APIKEY}---\nkind: Connector\nlinkName: maps\nname: Maps\nauthentication:\n  type: apiKey\n  parameters:\n    - parameterKey: key\n      addTo: query\n    - parameterKey: client\n      displayName: Client\n`,
    });
    expect(v.errors).toEqual([]);
    expect(v.desired.connectors.get('weather')!.authentication).toEqual({
      type: 'apiKey',
      parameters: [{ parameterKey: 'X-Api-Key', displayName: 'API key', addTo: 'header' }],
    });
    expect(v.desired.connectors.get('maps')!.authentication).toEqual({
      type: 'apiKey',
      parameters: [
        { parameterKey: 'key', addTo: 'query' },
        { parameterKey: 'client', displayName: 'Client' },
      ],
    });
  });

  it('lets a draft lack mandatory parameters (R2 asks only of ready connectors)', () => {
    const v = validate({ 'connectors/a.yaml': 'kind: Connector\nlinkName: p\nname: P\nstage: draft\nauthentication:\n  type: oauth1\n' });
    expect(v.errors).toEqual([]);
    expect(v.desired.connectors.get('p')!.authentication).toEqual({ type: 'oauth1' });
  });

  it('accepts Unicode letters in names and descriptions', () => {
    const v = validate({ 'connectors/a.yaml': BASIC.replace('name: Helpdesk', 'name: Σύστημα Ünïcode 日本') + 'description: Beschreibung für Kunden (ä, ö)\n' });
    expect(v.errors).toEqual([]);
  });

  it('reads documents of any kind from any folder, and several per file', () => {
    const v = validate({ 'connections/all.yaml': `${OAUTH2}---\n${CONNECTION}---\n# only a comment\n` });
    expect(v.errors).toEqual([]);
    expect([...v.desired.connectors.keys()]).toEqual(['crm']);
    expect(v.desired.connections.get('crm_sales')!.source).toEqual({
      file: 'connections/all.yaml',
      line: lineOf(`${OAUTH2}---\n${CONNECTION}`, 'kind: Connection'),
      col: 1,
    });
  });

  it('the source of a document is where its content starts, after leading comments', () => {
    const v = validate({ 'connectors/a.yaml': '# yaml-language-server: $schema=../schema/manifest.schema.json\n\n' + BASIC });
    expect(v.desired.connectors.get('desk')!.source).toEqual({ file: 'connectors/a.yaml', line: 3, col: 1 });
  });
});

describe('positions of errors', () => {
  it('an unknown key points at the key', () => {
    const text = OAUTH2.replace('  clientId:', '  colour: blue\n  clientId:');
    const d = only(validate({ 'connectors/a.yaml': text }).errors);
    expect(d).toMatchObject({ file: 'connectors/a.yaml', line: lineOf(text, 'colour'), col: 3, code: 'schema' });
    expect(d.message).toBe("unknown key 'colour' in authentication");
    expect(d.hint).toContain('allowed keys here: type, grantType, clientId, clientSecret');
  });

  it('a bad value points at the value', () => {
    const text = OAUTH2.replace('grantType: authorization_code', 'grantType: implicit');
    const d = only(validate({ 'connectors/a.yaml': text }).errors);
    expect(d).toMatchObject({ line: lineOf(text, 'grantType'), col: 14, code: 'schema' });
    expect(d.message).toBe('authentication.grantType must be one of "authorization_code", "client_credentials" (got "implicit")');
  });

  it('a missing top-level key points at the document start, a missing nested key at its parent', () => {
    const top = only(validate({ 'connectors/a.yaml': '# c\n' + BASIC.replace('name: Helpdesk\n', '') }).errors);
    expect(top).toMatchObject({ line: 2, col: 1, message: "missing required key 'name'" });
    const nested = only(validate({ 'connectors/a.yaml': 'kind: Connector\nlinkName: a\nname: A\nauthentication:\n  scopes: []\n' }).errors);
    expect(nested).toMatchObject({ line: 4, col: 1, message: "missing required key 'type' in authentication" });
  });

  it("an error in the second document of a file has that document's line", () => {
    const text = `${OAUTH2}---\n${BASIC.replace('linkName: desk', 'linkName: Desk')}`;
    const d = only(validate({ 'connectors/a.yaml': text }).errors);
    expect(d).toMatchObject({ line: lineOf(text, 'linkName: Desk'), col: 11, code: 'N3' });
  });

  it('an error in a list item points at the item', () => {
    const text = CONNECTION.replace('scopes: [contacts.read]', 'scopes:\n  - contacts.read\n  - "two words"');
    const d = only(validate({ 'connectors/a.yaml': OAUTH2, 'connections/c.yaml': text }).errors);
    expect(d).toMatchObject({ file: 'connections/c.yaml', line: lineOf(text, 'two words'), col: 5 });
  });

  it('errors come sorted by file, line and column', () => {
    const v = validate({
      'connectors/b.yaml': OAUTH2.replace('linkName: crm', 'linkName: B').replace('name: Acme CRM', 'name: "?"'),
      'connectors/a.yaml': BASIC.replace('linkName: desk', 'linkName: D'),
    });
    expect(v.errors.map((d) => `${d.file}:${d.line}`)).toEqual(['connectors/a.yaml:2', 'connectors/b.yaml:2', 'connectors/b.yaml:3']);
  });
});

describe('S1: secrets in the manifests', () => {
  const cases = {
    'a plain string': SECRET_VALUE,
    'a quoted string': `"${SECRET_VALUE}"`,
    'a block scalar': `|\n    ${SECRET_VALUE}`,
    'a list': `[${SECRET_VALUE}]`,
    'a mapping with another key': `{ value: ${SECRET_VALUE} }`,
    'a reference and the value': `{ fromEnv: OK, value: ${SECRET_VALUE} }`,
    'a fromEnv that is the value': `{ fromEnv: "${SECRET_VALUE}!" }`,
    'an implicit key on one line': `${SECRET_VALUE}: ${SECRET_VALUE}`,
    'a flow mapping holding only the value': `{ ${SECRET_VALUE} }`,
    'a duplicated key': `{ ${SECRET_VALUE}: 1, ${SECRET_VALUE}: 2 }`,
  };
  it.each(Object.entries(cases))('refuses %s without quoting it', (_, written) => {
    const text = OAUTH2.replace('{ fromEnv: CRM_CLIENT_SECRET }', written);
    const v = validate({ 'connectors/a.yaml': text });
    expect(v.errors.length).toBeGreaterThan(0);
    expect(v.errors[0]!.line).toBe(lineOf(text, 'clientSecret'));
    expect(JSON.stringify([v.errors, v.warnings])).not.toContain(SECRET_VALUE.slice(0, 8));
  });

  it('cites S1 for a plain value', () => {
    const d = only(validate({ 'connectors/a.yaml': OAUTH1.replace('{ fromEnv: ERP_CONSUMER_SECRET }', SECRET_VALUE) }).errors);
    expect(d.code).toBe('S1');
    expect(d.message).toBe('consumerSecret must be a reference { fromEnv: NAME }, never the secret itself');
  });
});

describe('checks across documents', () => {
  it('N3: the first of two connectors with one link name counts; the second is the error, naming the first', () => {
    const v = validate({ 'connectors/a.yaml': OAUTH2, 'connectors/b.yaml': OAUTH2.replace('name: Acme CRM', 'name: Second') });
    const d = only(v.errors);
    expect(d).toMatchObject({ file: 'connectors/b.yaml', line: 2, col: 11, code: 'N3' });
    expect(d.message).toContain('also defined at connectors/a.yaml:2:11');
    expect(v.desired.connectors.get('crm')!.name).toBe('Acme CRM');
  });

  it('a connector and a connection may share a link name', () => {
    const v = validate({ 'connectors/a.yaml': OAUTH2, 'connections/c.yaml': CONNECTION.replace('linkName: crm_sales', 'linkName: crm') });
    expect(v.errors).toEqual([]);
  });

  it('a connection of a connector that failed the schema is not also a dangling reference', () => {
    const v = validate({ 'connectors/a.yaml': OAUTH2.replace('name: Acme CRM', 'name: "#"'), 'connections/c.yaml': CONNECTION });
    expect(only(v.errors).code).toBe('N1');
  });

  it('a disabled connector with disabled connections is fine (R8, R16)', () => {
    const v = validate({ 'connectors/a.yaml': OAUTH2 + 'enabled: false\n', 'connections/c.yaml': CONNECTION + 'enabled: false\n' });
    expect(v.errors).toEqual([]);
  });

  it('R6 names the connector stage position', () => {
    const text = OAUTH2 + 'stage: draft\n';
    const d = only(validate({ 'connectors/a.yaml': text, 'connections/c.yaml': CONNECTION }).errors);
    expect(d.code).toBe('R6');
    expect(d.message).toContain(`connectors/a.yaml:${lineOf(text, 'stage: draft')}:8`);
  });

  it('R2 lists every missing parameter of a ready OAuth2 connector', () => {
    const d = only(validate({ 'connectors/a.yaml': 'kind: Connector\nlinkName: a\nname: A\nauthentication:\n  type: oauth2\n' }).errors);
    expect(d).toMatchObject({ code: 'R2', line: 4, col: 1 });
    expect(d.message).toBe("ready connector 'a' lacks mandatory oauth2 parameters: grantType, clientId, clientSecret, accessTokenUrl");
  });

  it('warns (without failing) about authorizeUrl on client_credentials and repeated scopes', () => {
    const v = validate({
      'connectors/a.yaml': OAUTH2.replace('authorization_code', 'client_credentials').replace('contacts.write]', 'contacts.read]'),
    });
    expect(v.errors).toEqual([]);
    expect(v.warnings.map((w) => w.code).sort()).toEqual(['scopes', 'unused']);
  });
});

describe('totality', () => {
  it('never throws, whatever the bytes', () => {
    for (const text of [
      '',
      '---',
      '...',
      '- a\n- b',
      '"',
      '[',
      '{a: 1}: b',
      '&a [*a]',
      'a: &a [*a, *a]',
      '\u0000\uFFFE',
      'kind: Connector\nkind: Connection',
      '!!binary x',
    ]) {
      expect(() => validate({ 'connectors/x.yaml': text, 'connections/y.yml': text, 'connectorops.yaml': text })).not.toThrow();
    }
  });

  it('a key that is a list or a map is an unknown key, and the YAML library prints nothing of its own', () => {
    // It did: "Keys with collection values will be stringified …: "[ a\u202eb ]"" on stderr,
    // the manifest's text unescaped (a BIDI override, a secret) and without file:line:col.
    const emitted = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const v = validate({ 'connectors/x.yaml': `${BASIC}? [a\u202eb, SECRET]\n: c\n`, 'connectorops.yaml': '? {a: 1}\n: b\n' });
      expect(emitted).not.toHaveBeenCalled();
      expect(warned).not.toHaveBeenCalled();
      expect(v.errors.map((d) => `${d.file} ${d.code}`)).toEqual(['connectorops.yaml schema', 'connectors/x.yaml schema']);
    } finally {
      emitted.mockRestore();
      warned.mockRestore();
    }
  });

  it('alias bombs are cut short', () => {
    const bomb =
      'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n';
    const v = validate({ 'connectors/x.yaml': bomb });
    expect(v.errors.map((d) => d.code)).toEqual(['yaml']);
  });
});

describe('manifestDigest', () => {
  const files = { 'connectors/a.yaml': OAUTH2, 'connections/c.yaml': CONNECTION };
  it('ignores layout: formatting, comments, key order, file names and defaults written out', () => {
    const a = validate(files);
    const b = validate({
      'connectors/other/name.yml':
        `# moved\n${BASIC.replace('kind: Connector\nlinkName: desk', 'linkName: desk\nkind: Connector')}`.replace(/desk/g, 'zz') +
        `---\n${OAUTH2.replace('scopes: [contacts.read, contacts.write]', 'scopes:\n    - contacts.read\n    - contacts.write\n  scopeSeparator: ","')}stage: ready\nenabled: true\n`,
      'connections/x/y.yaml': `${CONNECTION}enabled: true\n`,
    });
    b.desired.connectors.delete('zz');
    expect(b.errors).toEqual([]);
    expect(manifestDigest(b.desired)).toBe(manifestDigest(a.desired));
  });

  it('changes with any wanted value', () => {
    const a = manifestDigest(validate(files).desired);
    const b = manifestDigest(validate({ ...files, 'connections/c.yaml': CONNECTION.replace('name: CRM sales team', 'name: CRM sales') }).desired);
    const c = manifestDigest(validate({ ...files, 'connectors/a.yaml': OAUTH2.replace('CRM_CLIENT_SECRET', 'OTHER') }).desired);
    expect(new Set([a, b, c]).size).toBe(3);
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
