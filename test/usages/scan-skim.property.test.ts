/**
 * The scanner passes over code that cannot hold a call (`Tokenizer.skim`) instead of feeding each
 * of its tokens to the handlers. That is only a speed-up: for any text at all, valid or broken,
 * the result must be the one of the token-by-token reading (`tokenByToken`), the simple reference.
 * Same usages (connection, application, component, position), same warnings (position, message,
 * order), including the second reading that a broken file gets (strings ending at their line).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanDeluge, scanUsages } from '../../src/usages/scan-files.js';
import { byString } from '../../src/util/text.js';

/** Pieces of Deluge and of broken Deluge: what the tokenizer and the scanner tell apart. */
const piece = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/) },
  {
    weight: 6,
    arbitrary: fc.constantFrom('{', '}', '(', ')', '[', ']', ';', ':', '+', '.', ',', '=', '/', '*', '-', '\\', ' ', '\t', '\r', '\n', '\n', '\n'),
  },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'invokeurl',
      'INVOKEURL',
      'InvokeUrl',
      'xinvokeurl',
      'invokeurl_2',
      '\u00e9invokeurl',
      '\ufeffinvokeurl',
      'a\ufeffinvokeurl',
      'invokeurl\ufeff',
      'connection',
      'CONNECTION',
      'connections',
      'connection\u00e9',
      '_connection',
    ),
  },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '"crm"',
      '""',
      '"a\\"b"',
      '"two\nlines"',
      '"esc\\\nnewline"',
      '"\\\\"',
      "'01-Jan-2026'",
      '"""x\ny"""',
      '"',
      "'",
      '"""',
      '//',
      '/*',
      '*/',
      '\ufeff',
      '\u00e9',
      '\u2028',
    ),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application "A"',
      'application',
      'forms',
      'form F',
      'on add',
      'on validate',
      'workflow',
      'schedule',
      'schedules',
      'functions',
      'Deluge',
      'actions',
      'custom deluge script',
      'void f(int a)',
      'map ns.f(string s)',
      'form = F',
      'record event = on add',
      'w as "W"',
    ),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'invokeurl\n[\n\turl :"https://x"\n\tconnection:"crm"\n];',
      'r = invokeurl [ connection : "erp" ];',
      'invokeurl [ connection: "a" + b ]',
      'invokeurl [ connection: name ]',
      'invokeurl [ connection: "" ]',
      'invokeurl [ connection:\n"nl" ]',
      'invokeurl [ connection: "x".trim() ]',
      'invokeurl [ type: GET connection: "y" headers: {"a": [1]} ]',
      'invokeurl ( connection: "z" )',
      'invokeurl [ headers: { connection: "h" } connection: "c" ]',
      'invokeurl [ a: f( connection: "p" ) ]',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
);
const soup = fc.array(piece, { maxLength: 80 }).map((parts) => parts.join(''));

/** A Creator export or a loose script around generated code, so that the named frames (and the code between them) are reached. */
const shaped = fc.tuple(fc.array(soup, { minLength: 4, maxLength: 4 }), fc.boolean()).map(
  ([[a, b, c, d], nameless]) => `/* export */
${nameless ? '' : 'application "App"'}
{
\tforms
\t{
\t\tform Orders
\t\t{
\t\t\ton add
\t\t\t{
\t\t\t\ton validate
\t\t\t\t{
${a}
\t\t\t\t}
\t\t\t}
\t\t}
\t}
\tworkflow
\t{
\t\tform
\t\t{
\t\t\tw1 as "W1"
\t\t\t{
\t\t\t\tform = Orders
\t\t\t\trecord event = on add
\t\t\t\ton success
\t\t\t\t{
\t\t\t\t\tactions
\t\t\t\t\t{
\t\t\t\t\t\tcustom deluge script
\t\t\t\t\t\t(
${b}
\t\t\t\t\t\t)
\t\t\t\t\t}
\t\t\t\t}
\t\t\t}
\t\t}
\t\tschedule
\t\t{
\t\t\tnightly as "Nightly"
\t\t\t{
${c}
\t\t\t}
\t\t}
\t}
\tfunctions
\t{
\t\tDeluge
\t\t{
\t\t\tmap app.sync(int id)
\t\t\t{
${d}
\t\t\t}
\t\t}
\t}
}
`,
);

/** A text with a few characters replaced or dropped: brackets unbalanced, strings left open, comments cut. */
const damaged = fc.tuple(shaped, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), piece), { maxLength: 4 })).map(([text, edits]) => {
  let out = text;
  for (const [at, drop, insert] of edits) {
    const i = at % (out.length + 1);
    out = out.slice(0, i) + insert + out.slice(i + drop);
  }
  return out;
});

const path = fc.constantFrom('apps/a.ds', 'apps/B.DS', 'scripts/s.dg', 'scripts/f.deluge');

function same(file: string, text: string): void {
  expect(scanDeluge(file, text)).toEqual(scanDeluge(file, text, { tokenByToken: true }));
}

describe('scanDeluge passing over code (skim) reads exactly what token by token reads', () => {
  it('on code soup: any mix of words, brackets, strings, comments, calls and junk', () => {
    fc.assert(
      fc.property(soup, path, (text, file) => {
        same(file, text);
      }),
      { numRuns: 1500 },
    );
  });

  it('on exports and scripts whose blocks hold such code', () => {
    fc.assert(
      fc.property(shaped, path, (text, file) => {
        same(file, text);
      }),
      { numRuns: 300 },
    );
  });

  it('on the same files with characters replaced or dropped anywhere', () => {
    fc.assert(
      fc.property(damaged, path, (text, file) => {
        same(file, text);
      }),
      { numRuns: 500 },
    );
  });

  it('on the cases the fast path must get right one by one', () => {
    for (const text of [
      'f() { \ufeffinvokeurl [ connection: "bom" ] }',
      'f() { x\ufeffinvokeurl [ connection: "glued" ] }',
      'f() { invokeurl\ufeff [ connection: "tail" ] }',
      'f() { "open\ninvokeurl [ connection: "q" ] }',
      'f() { \'open\ninvokeurl [ connection: "q" ] }',
      'f() { /* never closed\ninvokeurl [ connection: "c" ] }',
      'f() { """ never closed invokeurl [ connection: "c" ] }',
      'f() { x = "a\\\n" invokeurl [ connection: "esc" ] }',
      'f() { invokeurl [ url: "u" /* c */ connection // c\n : "late" ] }',
      'f() { invokeurl [ x: invokeurl [ connection: "inner" ] connection: "outer" ] }',
      'f() { ] ) } invokeurl [ connection: "after" ] ( [ {',
      'f() { invokeurl [ headers: { connection: "nested" } connection: "key" ] }',
      'f() { invokeurl [ body: list( connection: "arg" ) ] }',
    ]) {
      for (const file of ['a.ds', 'a.dg']) same(file, text);
    }
  });

  it('scanUsages lists the usages of many files by connection, then file and position, whatever order the files come in', () => {
    const file = fc.record({ path: fc.constantFrom('a.dg', 'b/c.dg', 'B.ds', 'z.deluge', 'a.ds'), text: fc.oneof(soup, shaped) });
    fc.assert(
      fc.property(fc.uniqueArray(file, { selector: (f) => f.path, maxLength: 5 }), (files) => {
        const all = files.flatMap((f) => scanDeluge(f.path, f.text).usages);
        all.sort((a, b) => byString(a.connection, b.connection) || byString(a.file, b.file) || a.line - b.line || a.col - b.col);
        expect(scanUsages(files).usages).toEqual(all);
      }),
      { numRuns: 200 },
    );
  });
});
