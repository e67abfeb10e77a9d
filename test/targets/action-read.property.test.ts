/**
 * parseAction reads a well-formed action by hand (readAction, src/targets/action-read.ts) and
 * leaves anything else to ActionBodySchema. That is sound only if the reader never accepts what
 * the schema refuses and, when it accepts, gives the schema's value: the same fields, the same
 * defaults, the same keys in the same order, `undefined` kept where zod keeps it. On plain data
 * (what JSON.parse and object literals make) it must also accept everything the schema accepts, or
 * the common case would not be the fast one. Inputs: valid actions of every op (every optional
 * field absent, `undefined` or given, defaults given or not, extra keys where the schema strips
 * them, keys in any order), and each of them changed in one place: a field removed, a value of
 * another type, one key too many (`__proto__` as JSON.parse makes it, `constructor`, a key a
 * strict object refuses), an object that is not a plain one, strings huge or of lone surrogates.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TargetError } from '../../src/errors.js';
import { ActionBodySchema, OPS, type ActionBody } from '../../src/model/actions.js';
import { readAction } from '../../src/targets/action-read.js';
import { parseAction } from '../../src/targets/action-schema.js';
import { jsonPath } from '../../src/util/json-path.js';

const HUGE = 'x'.repeat(1 << 20);
/** A string: mostly short ones, now and then an empty, a huge or a malformed UTF-16 one. */
const str = fc.oneof(
  { weight: 8, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '\uD800', '\uDC00', '\uD83D\uDE00', HUGE) },
);
/** A Text (at least one character): the same, and the empty string now and then (refused). */
const text = fc.oneof({ weight: 12, arbitrary: fc.string({ minLength: 1, maxLength: 8 }) }, { weight: 1, arbitrary: str });
const texts = fc.array(text, { maxLength: 3 });
/** An optional field's value: now and then `undefined` under the key (fc.record leaves keys out, too). */
const opt = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: arb }, { weight: 1, arbitrary: fc.constant(undefined) });
const optional = <T>(fields: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.record(fields, { requiredKeys: [] });
/** One of an enum's values, now and then a near miss (another enum's value, another case, another type). */
const oneOf = (valid: string[], misses: unknown[]) => fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: fc.constantFrom(...misses) });
/** An object, now and then an array or null in its place (zod's object check refuses both). */
const objectOr = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 12, arbitrary: arb }, { weight: 1, arbitrary: fc.constantFrom([], null, 'x') });

const plannedSecret = fc.record(
  { fromEnv: str, fingerprint: opt(fc.oneof({ weight: 6, arbitrary: fc.option(str) }, { weight: 1, arbitrary: fc.constantFrom(0, false, {}) })) },
  { requiredKeys: ['fromEnv'] },
);
const secrets = objectOr(optional({ clientSecret: opt(objectOr(plannedSecret)), consumerSecret: opt(plannedSecret) }));
const authentication = objectOr(
  fc.oneof(
    fc.constant({ type: 'basic' }),
    fc.record({
      type: fc.constant('apiKey'),
      parameters: fc.array(
        fc.record(
          { parameterKey: text, displayName: opt(text), addTo: opt(oneOf(['header', 'query', 'form'], ['Header', 'body', '', 0])) },
          { requiredKeys: ['parameterKey'] },
        ),
        { maxLength: 2 },
      ),
    }),
    fc.record(
      { type: fc.constant('oauth1'), consumerKey: opt(text), requestTokenUrl: opt(text), authorizeUrl: opt(text), accessTokenUrl: opt(text) },
      { requiredKeys: ['type'] },
    ),
    fc.record(
      {
        type: fc.constant('oauth2'),
        grantType: opt(oneOf(['authorization_code', 'client_credentials'], ['password', 'header', null])),
        clientId: opt(text),
        authorizeUrl: opt(text),
        accessTokenUrl: opt(text),
        refreshTokenUrl: opt(text),
        scopes: opt(texts),
        scopeSeparator: opt(oneOf([',', ' ', '+'], [';', '', ',,', null])),
        addTo: opt(oneOf(['header', 'query'], ['form', 'Query', null])),
      },
      { requiredKeys: ['type'] },
    ),
  ),
);
/** Keys the schema strips from the action and from a spec (a plan's action carries some). */
const stripped = optional({ id: fc.constant('a1'), dependsOn: fc.constant(['a0']), notes: str });
const connectorSpec = fc
  .tuple(fc.record({ name: str, description: opt(str), authentication, secrets: opt(secrets) }, { requiredKeys: ['name', 'authentication'] }), stripped)
  .map(([spec, extra]) => ({ ...spec, ...extra }));
const connectorSet = optional({ name: opt(str), description: opt(str), authentication: opt(authentication), secrets: opt(secrets) });
const connectionSpec = fc
  .tuple(
    fc.record(
      {
        name: str,
        connector: str,
        scopes: opt(texts),
        authorizationOwner: opt(oneOf(['admin', 'user'], ['other', 'Admin', 'header', null])),
        sameAuthorizationForAllEnvironments: opt(fc.oneof({ weight: 6, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom('true', 0, null) })),
        access: opt(texts),
      },
      { requiredKeys: ['name', 'connector'] },
    ),
    stripped,
  )
  .map(([spec, extra]) => ({ ...spec, ...extra }));
const connectionSet = optional({ name: opt(str), scopes: opt(texts), sameAuthorizationForAllEnvironments: opt(fc.boolean()), access: opt(texts) });

/** A valid action of `op`, its keys in the schema's order or reversed (all the way down). */
const validAction = fc
  .constantFrom(...OPS)
  .chain((op) => {
    const kind = op.startsWith('connector.') ? 'Connector' : 'Connection';
    const body =
      op === 'connector.create'
        ? { spec: objectOr(connectorSpec) }
        : op === 'connector.update'
          ? { set: objectOr(connectorSet) }
          : op === 'connection.create'
            ? { spec: objectOr(connectionSpec) }
            : op === 'connection.update'
              ? { set: objectOr(connectionSet) }
              : {};
    return fc.tuple(
      fc.record({ op: fc.constant(op), kind: oneOf([kind], [kind === 'Connector' ? 'Connection' : 'Connector', 'connector', null]), linkName: str, ...body }),
      stripped,
      fc.boolean(),
    );
  })
  .map(([action, extra, reversed]) => {
    const value = { ...action, ...extra };
    return reversed ? reverseKeys(value) : value;
  });

class Record_ {
  constructor(fields: object) {
    Object.assign(this, fields);
  }
}

/** A value a field should not hold, or a near miss of one it should. */
const odd = fc.oneof(
  { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      undefined,
      null,
      '',
      '\uD800',
      0,
      1,
      true,
      'header',
      'form',
      'admin',
      'apiKey',
      'basic',
      'Connector',
      'Connection',
      'connector.create',
      HUGE,
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        () => [],
        () => ({}),
        () => [''],
        () => new Date(0),
        () => new Map(),
        () => Object.create({ name: 'inherited' }) as object,
        () => new Record_({ type: 'basic' }),
        () => ['a', , 'b'], // eslint-disable-line no-sparse-arrays -- a hole, which zod reads as undefined
      )
      .map((make) => make()),
  },
);
const extraKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'linkName', 'connector', 'type', 'parameters', 'scopes', 'value', 'extra'),
  fc.string({ maxLength: 4 }),
);

type Slot = Array<string | number>;
type Mutation =
  | { kind: 'delete'; at: number }
  | { kind: 'set'; at: number; value: unknown }
  | { kind: 'add'; at: number; key: string; value: unknown }
  | { kind: 'unplain'; at: number; how: 'instance' | 'null-prototype' | 'inheriting' | 'array-like' }
  | { kind: 'json' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: odd }),
  fc.record({ kind: fc.constant('add' as const), at: fc.nat(), key: extraKey, value: fc.oneof(odd, str) }),
  fc.record({
    kind: fc.constant('unplain' as const),
    at: fc.nat(),
    how: fc.constantFrom('instance' as const, 'null-prototype' as const, 'inheriting' as const, 'array-like' as const),
  }),
  fc.constant({ kind: 'json' as const }),
);

/** A valid action as it is, or changed in one place. */
const action = fc.oneof(
  { weight: 1, arbitrary: validAction.map((value) => ({ value, valid: true })) },
  { weight: 3, arbitrary: fc.tuple(validAction, mutation).map(([value, m]) => ({ value: mutate(value, m), valid: false })) },
);

describe('readAction', () => {
  it('accepts only what ActionBodySchema accepts (on plain data, all of it), and gives its value: same keys, same order, frozen', () => {
    let read = 0;
    let refused = 0;
    fc.assert(
      fc.property(action, ({ value, valid }) => {
        const fast = readAction(value);
        const schema = ActionBodySchema.safeParse(value);
        if (fast !== null) {
          read++;
          expect(schema.success).toBe(true);
          expect(layout(fast)).toStrictEqual(layout(schema.data));
          expect(JSON.stringify(fast)).toBe(JSON.stringify(schema.data));
          expect(frozenBelow(fast)).toBe(true);
        } else if (isPlainData(value)) {
          refused++;
          expect(schema.success).toBe(false);
        }
        // A valid action (its texts drawn non-empty) is the common case: the fast one.
        if (valid && schema.success) expect(fast).not.toBeNull();
      }),
      { numRuns: 2500 },
    );
    // Of use only when both sides are drawn often.
    expect(read).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(200);
  });

  it('parseAction gives the schema value, frozen all the way down and taken back as it is, or the refusal it always gave', () => {
    fc.assert(
      fc.property(action, ({ value }) => {
        const schema = ActionBodySchema.safeParse(value);
        let got: ActionBody | undefined;
        let error: unknown;
        try {
          got = parseAction(value);
        } catch (e) {
          error = e;
        }
        if (got) {
          expect(schema.success).toBe(true);
          expect(layout(got)).toStrictEqual(layout(schema.data));
          expect(Object.isFrozen(got) && frozenBelow(got)).toBe(true);
          expect(parseAction(got)).toBe(got);
          // A copy is not the checked action: it is read again (and is a new object).
          expect(parseAction({ ...got })).not.toBe(got);
          return;
        }
        expect(error).toBeInstanceOf(TargetError);
        const message = (error as TargetError).message;
        // R10 and R12 are found before the schema looks (a field an update cannot change in place).
        if (/^R1[02]: /.test(message)) return;
        expect(schema.success).toBe(false);
        const op = (value as { op?: unknown } | null)?.op;
        const what = typeof op === 'string' && (OPS as readonly string[]).includes(op) ? `action ${op}` : 'action';
        expect(message).toBe(`malformed ${what}: ${schema.error!.issues.map((i) => `${jsonPath(i.path)}: ${i.message}`).join('; ')}`);
      }),
      { numRuns: 500 },
    );
  });

  it('reads a field through the prototype chain, and sees inherited enumerable keys, as zod does', () => {
    const connector = { op: 'connector.create', kind: 'Connector', linkName: 'crm', spec: { name: 'CRM', authentication: { type: 'basic' } } };
    const both = () => {
      const fast = readAction(connector);
      const schema = ActionBodySchema.safeParse(connector);
      return [fast && JSON.stringify(fast), schema.success && JSON.stringify(schema.data)];
    };
    const cases: unknown[] = [];
    const inherit = (value: unknown, enumerable: boolean) => {
      try {
        Object.defineProperty(Object.prototype, 'description', { value, enumerable, configurable: true, writable: true });
        cases.push(both());
      } finally {
        delete (Object.prototype as Record<string, unknown>).description;
      }
    };
    // Not enumerable: read as the spec's description (a number: refused by both; a string: kept by both).
    inherit(5, false);
    inherit('inherited', false);
    // Enumerable: one more key of every strict object (the authentication here): refused by both.
    inherit('inherited', true);
    const kept =
      '{"op":"connector.create","kind":"Connector","linkName":"crm","spec":{"name":"CRM","description":"inherited","authentication":{"type":"basic"},"secrets":{}}}';
    expect(cases).toStrictEqual([
      [null, false],
      [kept, kept],
      [null, false],
    ]);
  });

  it('was written for ActionBodySchema as it is: a change to the schema fails here until readAction follows it', () => {
    // readAction restates the schema by hand. A field added to a spec (a "strip" object) would be
    // dropped by it without a word, and the generators above would not draw it: so the schema's
    // every field, type, default, check and strictness is pinned here. When this fails, teach
    // readAction (src/targets/action-read.ts) and the generators the change, then take the new digest.
    const lines = schemaLines(ActionBodySchema as unknown as Schema, '');
    const digest = createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
    expect(digest, lines.join('\n')).toBe('56dcaf57924b8294');
  });

  it('keeps the value it checked when a getter answers differently each time it is read', () => {
    let reads = 0;
    const spec = {
      connector: 'crm',
      get name(): unknown {
        reads++;
        return reads === 1 ? 'first' : 42;
      },
    };
    const read = readAction({ op: 'connection.create', kind: 'Connection', linkName: 'c', spec });
    expect(read).toStrictEqual({ op: 'connection.create', kind: 'Connection', linkName: 'c', spec: { name: 'first', connector: 'crm', scopes: [] } });
  });
});

interface Schema {
  _zod: { def: { type: string; [key: string]: unknown } };
}

/** One line per field of `schema`, all the way down: its path, type, wrappers, checks and strictness. */
function schemaLines(schema: Schema, path: string): string[] {
  const describe = (x: Schema): string => {
    const def = x._zod.def;
    const checks = ((def.checks as Schema[] | undefined) ?? []).map((c) => `${String(c._zod.def.check)}${(c._zod.def.minimum as number | undefined) ?? ''}`).join(',');
    switch (def.type) {
      case 'optional':
      case 'default':
      case 'nullable':
        return `${def.type} ${describe(def.innerType as Schema)}`;
      case 'array':
        return `array of ${describe(def.element as Schema)}`;
      case 'literal':
        return `literal ${(def.values as unknown[]).join('|')}`;
      case 'enum':
        return `enum ${Object.values(def.entries as object).join('|')}`;
      case 'object':
        return `object${(def.catchall as Schema | undefined)?._zod.def.type === 'never' ? ' strict' : ''}`;
      case 'union':
        return `union by ${String(def.discriminator)}`;
      default:
        return `${def.type}${checks ? ` ${checks}` : ''}`;
    }
  };
  let inner = schema;
  while (['optional', 'default', 'nullable', 'array'].includes(inner._zod.def.type)) inner = (inner._zod.def.innerType ?? inner._zod.def.element) as Schema;
  const def = inner._zod.def;
  if (def.type === 'object') {
    return Object.entries(def.shape as Record<string, Schema>).flatMap(([key, field]) => [`${path}.${key}: ${describe(field)}`, ...schemaLines(field, `${path}.${key}`)]);
  }
  if (def.type === 'union') {
    const by = def.discriminator as string;
    return (def.options as Schema[]).flatMap((option) => {
      const tag = ((option._zod.def.shape as Record<string, Schema>)[by]!._zod.def.values as unknown[])[0];
      return schemaLines(option, `${path}[${String(tag)}]`);
    });
  }
  return [];
}

/** Every object and array, with its keys in order and `undefined` where a key holds it. */
function layout(value: unknown): unknown {
  if (Array.isArray(value)) return ['array', value.length, ...value.map(layout)];
  if (typeof value === 'object' && value !== null) return Reflect.ownKeys(value).map((k) => [k, layout((value as Record<PropertyKey, unknown>)[k])]);
  return value;
}

/** True when every object and array under `value` (not `value` itself) is frozen. */
function frozenBelow(value: object): boolean {
  return Object.values(value).every((v) => typeof v !== 'object' || v === null || (Object.isFrozen(v) && frozenBelow(v)));
}

/** Made of what JSON.parse and object literals make: plain objects (or null-prototype ones), arrays, primitives. */
function isPlainData(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return typeof value !== 'function' && typeof value !== 'symbol' && typeof value !== 'bigint';
  const prototype: unknown = Object.getPrototypeOf(value);
  if (Array.isArray(value)) return prototype === Array.prototype && Object.values(value).every(isPlainData);
  return (prototype === Object.prototype || prototype === null) && Object.values(value).every(isPlainData);
}

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reverseKeys(v)]),
  );
}

/** `value` (a fresh copy) changed by `m`; `at` picks a slot (a key of an object or an array) or a container. */
function mutate(value: unknown, m: Mutation): unknown {
  if (m.kind === 'json') return JSON.parse(JSON.stringify(value)) as unknown;
  const copy = structuredClone(value);
  const containers: Slot[] = [];
  const slots: Slot[] = [];
  const walk = (node: unknown, path: Slot) => {
    if (typeof node !== 'object' || node === null) return;
    containers.push(path);
    for (const key of Object.keys(node)) {
      const slot = [...path, Array.isArray(node) ? Number(key) : key];
      slots.push(slot);
      walk((node as Record<string, unknown>)[key], slot);
    }
  };
  walk(copy, []);
  const get = (path: Slot): Record<string | number, unknown> =>
    path.reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], copy) as Record<string | number, unknown>;
  if (m.kind === 'delete' || m.kind === 'set') {
    const slot = slots[m.at % slots.length]!;
    const parent = get(slot.slice(0, -1));
    if (m.kind === 'delete') delete parent[slot.at(-1)!];
    else parent[slot.at(-1)!] = m.value;
    return copy;
  }
  const path = containers[m.at % containers.length]!;
  const node = get(path);
  if (m.kind === 'add') {
    // defineProperty: an own key even for `__proto__`, as JSON.parse makes it.
    Object.defineProperty(node, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
    return copy;
  }
  const replaced =
    m.how === 'instance'
      ? new Record_(node)
      : m.how === 'null-prototype'
        ? Object.assign(Object.create(null) as object, node)
        : m.how === 'inheriting'
          ? Object.assign(Object.create({ inherited: true }) as object, node)
          : { ...node, length: Array.isArray(node) ? node.length : 0 };
  if (path.length === 0) return replaced;
  get(path.slice(0, -1))[path.at(-1)!] = replaced;
  return copy;
}
