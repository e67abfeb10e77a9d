/**
 * Properties of the Deluge scanner over files generated in the grammar subset of docs/usages.md:
 * Creator exports (forms with inline actions, form workflows, schedules, functions) and loose
 * scripts, whose code mixes statements, nested blocks, comments and strings, and whose comments
 * and strings hold text that looks like calls (`invokeurl [ connection:"x" ]`, brackets, quotes).
 *
 * - A valid file scans without a warning, and finds exactly the calls generated, in order, with
 *   the component that holds each.
 * - Every usage's position points at its `connection` key in the source.
 * - Text inside comments and strings never produces a usage, wherever it is put.
 * - Any text at all, valid or not, scans without throwing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanDeluge } from '../../src/usages/scan-files.js';

interface Expected {
  connection: string;
  component: string;
}

/** A fragment of code, and the calls it makes (the component is filled in by the block around it). */
interface Code {
  text: string;
  calls: string[];
}

const linkName = fc.stringMatching(/^[a-z][a-z0-9_]{0,12}$/);
const ident = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/).filter((s) => !['invokeurl', 'connection'].includes(s.toLowerCase()));
/** Text that looks like code: what a comment or a string must keep from being read as code. */
const lookalike = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('invokeurl [ connection:"evil" ]', 'connection:"x"', '{', '}', '(', ')', '[', ']', '"', "'", '/*', '*/', '//', '\\', '\n', 'é', '\t'),
);
const noise = fc.array(lookalike, { maxLength: 6 }).map((parts) => parts.join(''));

/** A `"…"` literal holding `s`, escaped; it may span lines, as Deluge allows. */
const quoted = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const lineComment = noise.map((s) => `// ${s.replace(/\n/g, ' ')}`);
const blockComment = noise.map((s) => `/* ${s.replace(/\*\//g, '* /')} */`);
const stringLiteral = noise.map(quoted);
const dateLiteral = fc.stringMatching(/^[0-9A-Za-z: -]{0,12}$/).map((s) => `'${s}'`);

const call: fc.Arbitrary<Code> = fc.tuple(linkName, fc.boolean(), stringLiteral, fc.constantFrom(':', ' :', ' : ')).map(([connection, assign, url, colon]) => ({
  text: `${assign ? 'resp = ' : ''}invokeurl\n[\n\turl :${url}\n\ttype :POST\n\theaders:{"a":${url}}\n\tconnection${colon}"${connection}"\n];`,
  calls: [connection],
}));
const statement: fc.Arbitrary<Code> = fc.oneof(
  fc.tuple(ident, fc.oneof(stringLiteral, dateLiteral, ident)).map(([v, e]) => ({ text: `${v} = ${e};`, calls: [] })),
  fc.oneof(lineComment, blockComment).map((text) => ({ text, calls: [] })),
  fc.tuple(ident, stringLiteral).map(([v, s]) => ({ text: `${v}.put(${s}, {"k":[1, 2]});`, calls: [] })),
  call,
);
/**
 * Code: statements and nested blocks. `between` joins two statements: a newline, or a newline
 * around a sentinel line that marks the boundary, for the property that puts text between
 * statements (guessing boundaries from the text fails: a string that spans lines can end one
 * with `;`).
 */
const codeJoinedBy = (between: string) =>
  fc.letrec<{ code: Code; block: Code }>((tie) => ({
    code: fc.array(fc.oneof({ depthSize: 'small', withCrossShrink: true }, statement, tie('block')), { maxLength: 5 }).map((parts) => ({
      text: parts.map((p) => p.text).join(between),
      calls: parts.flatMap((p) => p.calls),
    })),
    block: fc.tuple(fc.constantFrom('if(x > 1)', 'for each r in rows', 'else', 'try', 'catch (e)', 'while(i < 3)'), tie('code')).map(([head, body]) => ({
      text: `${head}\n{${between}${body.text}${between}}`,
      calls: body.calls,
    })),
  })).code;
const code = codeJoinedBy('\n');
/** Marks a place between two statements; generated text never holds a NUL. */
const SLOT = '\u0000';

/** A generated file: its text, and the usages the scanner must find, in order. */
interface File {
  path: string;
  text: string;
  expected: Expected[];
}

const expect_ = (c: Code, component: string): Expected[] => c.calls.map((connection) => ({ connection, component }));

/** A workflow's `actions { custom deluge script ( CODE ) }`. */
const customScript = (c: Code) => `\t\t\t\t\tactions\n\t\t\t\t\t{\n\t\t\t\t\t\tcustom deluge script\n\t\t\t\t\t\t(\n${c.text}\n\t\t\t\t\t\t)\n\t\t\t\t\t}`;

const settings = fc.array(
  fc.tuple(ident, fc.oneof(stringLiteral, ident)).map(([k, v]) => `${k} = ${v}`),
  { maxLength: 3 },
);

const dsFile: fc.Arbitrary<File> = fc
  .record({
    app: fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,12}$/),
    form: ident,
    event: fc.constantFrom('on add', 'on edit', 'on delete'),
    stage: fc.constantFrom('on validate', 'on success', 'on load'),
    inline: code,
    workflow: ident,
    workflowCode: code,
    schedule: ident,
    scheduleCode: code,
    ns: ident,
    fn: ident,
    fnCode: code,
    settings,
    header: noise,
  })
  .map((g) => {
    const text = `/*
 * Generated on : 03-Mar-2026 ${g.header.replace(/\*\//g, '')}
 */
application ${quoted(g.app)}
{
\tdate format = "dd-MMM-yyyy"
\tforms
\t{
\t\tform ${g.form}
\t\t{
\t\t\tdisplayname = ${quoted(g.form)}
${g.settings.map((s) => `\t\t\t${s}`).join('\n')}
\t\t\tName
\t\t\t(
\t\t\t\ttype = text
\t\t\t)
\t\t\t${g.event}
\t\t\t{
\t\t\t\t${g.stage}
\t\t\t\t{
${g.inline.text}
\t\t\t\t}
\t\t\t}
\t\t}
\t}
\tworkflow
\t{
\t\tform
\t\t{
\t\t\t${g.workflow} as ${quoted(g.workflow)}
\t\t\t{
\t\t\t\ttype = form
\t\t\t\tform = ${g.form}
\t\t\t\trecord event = ${g.event}
\t\t\t\t${g.stage}
\t\t\t\t{
${customScript(g.workflowCode)}
\t\t\t\t}
\t\t\t}
\t\t}
\t\tschedule
\t\t{
\t\t\t${g.schedule} as ${quoted(g.schedule)}
\t\t\t{
\t\t\t\ttype = schedule
\t\t\t\ton start
\t\t\t\t{
${customScript(g.scheduleCode)}
\t\t\t\t}
\t\t\t}
\t\t}
\t}
\tfunctions
\t{
\t\tDeluge
\t\t{
\t\t\tmap ${g.ns}.${g.fn}(string a, int b)
\t\t\t{
${g.fnCode.text}
\t\t\t}
\t\t}
\t}
}
`;
    return {
      path: 'apps/app.ds',
      text,
      expected: [
        ...expect_(g.inline, `form:${g.form} (${g.event}, ${g.stage})`),
        ...expect_(g.workflowCode, `workflow:${g.workflow} (form ${g.form}, ${g.event}, ${g.stage})`),
        ...expect_(g.scheduleCode, `schedule:${g.schedule}`),
        ...expect_(g.fnCode, `function:${g.ns}.${g.fn}`),
      ],
    };
  });

const looseFileOf = (c: fc.Arbitrary<Code>): fc.Arbitrary<File> =>
  fc.oneof(
    c.map((c) => ({ path: 'scripts/s.dg', text: c.text, expected: expect_(c, 'script') })),
    fc.tuple(ident, c).map(([fn, c]) => ({ path: 'scripts/f.deluge', text: `void ${fn}(int id)\n{\n${c.text}\n}\n`, expected: expect_(c, `function:${fn}`) })),
  );
const looseFile = looseFileOf(code);
/** A loose file whose statement boundaries are marked by `SLOT` lines. */
const slottedLooseFile = looseFileOf(codeJoinedBy(`\n${SLOT}\n`));

const file = fc.oneof(dsFile, looseFile);

describe('scanDeluge properties', () => {
  it('a file valid in the grammar subset scans without a warning and finds exactly its calls, each in its component', () => {
    fc.assert(
      fc.property(file, (f) => {
        const r = scanDeluge(f.path, f.text);
        expect(r.warnings).toEqual([]);
        expect(r.usages.map((u) => ({ connection: u.connection, component: u.component }))).toEqual(f.expected);
      }),
      { numRuns: 300 },
    );
  });

  it("every usage's position points at its connection key in the source", () => {
    fc.assert(
      fc.property(file, (f) => {
        const lines = f.text.split('\n');
        for (const u of scanDeluge(f.path, f.text).usages) {
          expect(lines[u.line - 1]!.slice(u.col - 1)).toMatch(new RegExp(`^connection\\s*:\\s*"${u.connection}"`));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('text put in a comment or a string never produces a usage, at any line of a valid file', () => {
    const wrapped = fc.oneof(
      noise.map((s) => `// ${s.replace(/\n/g, ' ')} invokeurl [ connection:"in_comment" ]`),
      // No `*/` in the noise: removing one `*/` can join its neighbours into another (`/**//*`).
      noise.map((s) => `/* ${s.replace(/\*/g, '')}\ninvokeurl\n[\n\tconnection:"in_block_comment"\n]; */`),
      noise.map((s) => `note = ${quoted(`${s} invokeurl [ connection:"in_string" ];`)};`),
    );
    fc.assert(
      fc.property(slottedLooseFile, wrapped, fc.nat(), (f, extra, at) => {
        // Between two statements: one of the marked places (or the end), the other marks removed.
        const lines = f.text.split('\n');
        const slots = lines.map((l, i) => (l === SLOT ? i : -1)).filter((i) => i >= 0);
        const chosen = slots.length ? slots[at % slots.length]! : -1;
        const placed = lines.flatMap((l, i) => (i === chosen ? [extra] : l === SLOT ? [] : [l]));
        const text = (chosen < 0 ? [...placed, extra] : placed).join('\n');
        const r = scanDeluge(f.path, text);
        expect(r.warnings).toEqual([]);
        expect(r.usages.map((u) => u.connection)).toEqual(f.expected.map((e) => e.connection));
      }),
      { numRuns: 300 },
    );
  });

  it('any text at all scans without throwing, and every usage it reports points at a connection key', () => {
    const soup = fc.array(fc.oneof(lookalike, fc.constantFrom('invokeurl', '[', 'connection', ':', '"crm"', '\n', 'application "A"', 'form F', 'on add', 'void f()')), {
      maxLength: 40,
    });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          soup.map((p) => p.join(' ')),
        ),
        fc.constantFrom('x.ds', 'x.dg'),
        (text, path) => {
          const r = scanDeluge(path, text);
          const lines = text.split('\n');
          for (const u of r.usages) expect(lines[u.line - 1]!.slice(u.col - 1).toLowerCase()).toMatch(/^connection/);
          for (const w of r.warnings) expect(w.line).toBeGreaterThanOrEqual(1);
        },
      ),
      { numRuns: 500 },
    );
  });
});
