/**
 * The local target reads its connections and its connectors each in one query and one JSON.parse
 * (src/targets/local/rows.ts, `joinedConnections`, `joinedConnectors`) and row by row only when that
 * is not one sound record per row. The two agree:
 * whatever the rows hold (bodies edited by hand, split across rows, not JSON, another link name),
 * the one-query read either gives up or gives exactly what the row-by-row read gives. Runs on the
 * driver of this Node.js (`npm test` runs the unit tier on Node 24's node:sqlite too).
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { loadSqlite } from '../../src/targets/local/sqlite-driver.js';
import {
  connectionsOfRows,
  connectorsOfRows,
  joinedConnections,
  joinedConnectors,
  joinedSql,
  joinedTexts,
  readRows,
  type Joined,
  type Rows,
} from '../../src/targets/local/rows.js';
import { canonicalConnectionJson, canonicalConnectorJson } from '../../src/targets/snapshot.js';
import type { State } from '../../src/model/types.js';
import { validState } from '../support/arbitraries.js';

/** What a row may be turned into: its canonical text (most), or text a person or another program might leave there. */
const mutation = fc.oneof(
  { weight: 12, arbitrary: fc.constant('canonical') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'spaces',
      "the record's form",
      'reversed keys',
      'truncated',
      'split with the next',
      'split in an array',
      'not an object',
      'another name',
      'duplicate key',
      'lone surrogate',
      'name with a line break',
      'non-ASCII name',
      'a required field missing',
    ),
  },
);

/** Each table as the store keeps it: its rows' canonical texts, its two reads, and a field each record must have. */
const TABLES = {
  connections: {
    texts: (s: State) => [...s.connections.values()].map((c) => [c.linkName, canonicalConnectionJson(c), JSON.stringify(c)] as [string, string, string]),
    create: 'CREATE TABLE connections (link_name TEXT PRIMARY KEY, connector TEXT NOT NULL, body TEXT NOT NULL) STRICT',
    insert: 'INSERT INTO connections (link_name, connector, body) VALUES (?, ?, ?)',
    values: (name: string, body: string) => [name, 'c', body],
    slow: connectionsOfRows as (rows: Rows, name: string, path: string) => Map<string, unknown>,
    fast: joinedConnections as (row: Joined) => { records: Map<string, unknown>; again: () => Map<string, unknown>; texts: readonly string[] } | null,
    required: 'scopes',
  },
  connectors: {
    texts: (s: State) => [...s.connectors.values()].map((c) => [c.linkName, canonicalConnectorJson(c), JSON.stringify(c)] as [string, string, string]),
    create: 'CREATE TABLE connectors (link_name TEXT PRIMARY KEY, body TEXT NOT NULL) STRICT',
    insert: 'INSERT INTO connectors (link_name, body) VALUES (?, ?)',
    values: (name: string, body: string) => [name, body],
    slow: connectorsOfRows as (rows: Rows, name: string, path: string) => Map<string, unknown>,
    fast: joinedConnectors as (row: Joined) => { records: Map<string, unknown>; again: () => Map<string, unknown>; texts: readonly string[] } | null,
    required: 'stage',
  },
} as const;

it.each(['connections', 'connectors'] as const)('one query and one JSON.parse read the %s exactly as reading them row by row does, or give up', (table) => {
  const t = TABLES[table];
  const driver = loadSqlite('local:rows-test.db');
  let fast = 0;
  fc.assert(
    fc.property(validState(4, 10), fc.array(mutation, { minLength: 10, maxLength: 10 }), (s, mutations) => {
      const sorted = t.texts(s).sort((a, b) => (a[0] < b[0] ? -1 : 1));
      const rows: Array<[string, string]> = sorted.map(([name, body]) => [name, body]);
      for (let i = 0; i < rows.length; i++) {
        const [name, body] = rows[i]!;
        const record = JSON.parse(body) as Record<string, unknown>;
        switch (mutations[i]) {
          case 'spaces':
            rows[i] = [name, ` ${JSON.stringify(record, null, 1)} `];
            break;
          case "the record's form":
            // What schema 3 kept (JSON.stringify of the record): both reads convert it alike.
            rows[i] = [name, sorted[i]![2]];
            break;
          case 'reversed keys':
            rows[i] = [name, JSON.stringify(Object.fromEntries(Object.entries(record).reverse()))];
            break;
          case 'truncated':
            rows[i] = [name, body.slice(0, -2)];
            break;
          case 'split with the next': {
            // Neither row one JSON text, yet joined by ',' they read as two records of the right names.
            const next = rows[i + 1];
            if (next) {
              rows[i] = [name, `${body.slice(0, -1)},"x":"`];
              rows[i + 1] = [next[0], `"},${next[1]}`];
              i++;
            }
            break;
          }
          case 'split in an array': {
            const next = rows[i + 1];
            if (next) {
              rows[i] = [name, `${body.slice(0, -1)},"x":[0`];
              rows[i + 1] = [next[0], `1]},${next[1]}`];
              i++;
            }
            break;
          }
          case 'not an object':
            rows[i] = [name, '[1,2]'];
            break;
          case 'another name':
            rows[i] = [name, JSON.stringify({ ...record, linkName: `${name}x` })];
            break;
          case 'duplicate key':
            rows[i] = [name, body.replace('{', '{"name":"Shadowed",')];
            break;
          case 'lone surrogate':
            rows[i] = [name, body.replace(/"name":"/, '"name":"\\ud800')];
            break;
          case 'name with a line break':
            rows[i] = [`${name}\nb`, JSON.stringify({ ...record, linkName: `${name}\nb` })];
            break;
          case 'non-ASCII name':
            rows[i] = [`${name}é`, JSON.stringify({ ...record, linkName: `${name}é` })];
            break;
          case 'a required field missing': {
            const rest = { ...record };
            delete rest[t.required];
            rows[i] = [name, JSON.stringify(rest)];
            break;
          }
        }
      }
      const db = driver.open(':memory:');
      try {
        db.exec(t.create);
        const insert = db.prepare(t.insert);
        for (const [name, body] of rows) insert.run(...t.values(name, body));
        const slowRows = readRows(db.prepare(`SELECT link_name, body FROM ${table} ORDER BY link_name`));
        let slow: unknown;
        try {
          slow = t.slow(slowRows, 'local:t.db', '/t.db');
        } catch (error) {
          slow = error;
        }
        const joined = t.fast(db.prepare(joinedSql(table, true)).get() as Joined);
        if (joined) {
          fast++;
          expect(slow).toBeInstanceOf(Map);
          expect([...joined.records]).toEqual([...(slow as Map<string, unknown>)]);
          expect([...joined.again()]).toEqual([...(slow as Map<string, unknown>)]);
          expect(joined.texts.join(',')).toBe(slowRows.bodies.join(','));
        }
        const texts = joinedTexts(db.prepare(joinedSql(table, false)).get() as Joined);
        if (texts) expect(texts.join(',')).toBe(slowRows.bodies.join(','));
      } finally {
        db.close();
      }
    }),
    { numRuns: 400 },
  );
  // Most runs are all canonical rows: the one-query read must have been taken, not only given up.
  expect(fast).toBeGreaterThan(50);
});

it("an answer whose closing `]` was not aggregated last is read row by row, whatever names it carries: the rows' text would be no JSON array of them", () => {
  const a = '{"linkName":"a"}';
  const b = '{"linkName":"b"}';
  // What SQLite answers when the `]` row comes last (the fast path), then what it would answer
  // with that row first or between the two, in the names' form of this version (the `]` row's
  // empty name) and of the one before it (no name for it at all).
  expect(joinedTexts({ bodies: `[${a},${b}]`, names: 'a\nb\n', n: 2 })).toEqual([`${a},${b}`]);
  const misplaced: Joined[] = [
    { bodies: `],[${a},${b}`, names: '\na\nb', n: 2 },
    { bodies: `],[${a},${b}`, names: 'a\nb', n: 2 },
    { bodies: `[${a}],${b}`, names: 'a\n\nb', n: 2 },
    { bodies: `[${a}],${b}`, names: 'a\nb', n: 2 },
  ];
  for (const row of misplaced) {
    expect(joinedTexts(row)).toBeNull();
    expect(joinedConnections({ ...row, valid: 1 })).toBeNull();
  }
  // And a real table's answer takes the fast path, on this Node's driver.
  const db = loadSqlite('local:rows-test.db').open(':memory:');
  try {
    db.exec('CREATE TABLE connections (link_name TEXT PRIMARY KEY, body TEXT NOT NULL)');
    db.exec(`INSERT INTO connections VALUES ('a', '${a}'), ('b', '${b}')`);
    expect(joinedTexts(db.prepare(joinedSql('connections', false)).get() as Joined)).toEqual([`${a},${b}`]);
  } finally {
    db.close();
  }
});
