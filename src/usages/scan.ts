/**
 * Finds every `invokeurl [ … connection: "x" … ]` in one Deluge file, with its position, the
 * application and the component that hold it. A tokenizer (tokenizer.ts) plus a stack of open
 * brackets: no grammar beyond what naming the component needs.
 *
 * Tolerant by design: a file it cannot make sense of (an unclosed string, a bracket closed by the
 * wrong one, …) gives a warning with its position, and every usage read before and after it is
 * still returned. It never throws on any input. Comments and string contents are never usages.
 *
 * `.ds` files are Creator application exports. Their structure, as far as naming goes (the subset
 * is documented in docs/usages.md):
 *
 *     application "Order Desk"
 *     {
 *       forms { form Orders { … on add { on validate { CODE } } } }        (inline form actions)
 *       workflow
 *       {
 *         form { on_add_order as "On add order" { form = Orders  record event = on add
 *                  on validate { actions { custom deluge script ( CODE ) } } } }
 *         schedule { nightly_sync as "Nightly sync" { … custom deluge script ( CODE ) … } }
 *       }
 *       functions { Deluge { void orders.send_invoice(int id) { CODE } } }
 *     }
 *
 * Any other file (`.dg`, `.deluge`, …) is a loose script: its application is its path, and its
 * component is the function it defines (`void name(…) { … }`) or `script`.
 */
import type { Diagnostic } from '../errors.js';
import type { DiagnosticCode } from '../model/types.js';
import { INVOKEURL_KIND, type CodeUsage } from '../model/usages.js';
import { stringContent, Tok, Tokenizer } from './tokenizer.js';

export interface ScanResult {
  usages: CodeUsage[];
  warnings: Diagnostic[];
}

/** What a block is, as far as naming the component of a call goes. */
const Role = {
  /** Top level of a `.ds` export: expects `application "Name" { … }`. */
  DsRoot: 0,
  /** Top level of a loose script: code, or function definitions. */
  LooseRoot: 1,
  /** Inside `application { … }`, or a `section`/`forms` group of it: forms and groups. */
  App: 2,
  Form: 3,
  /** `on add { … }` of an inline form: holds `on validate { … }` and the like. */
  FormEvent: 4,
  /** `workflow { … }`: groups of workflows by type. */
  Workflows: 5,
  /** `workflow { form { … } }`: form workflows. */
  FormWorkflows: 6,
  /** `workflow { schedule { … } }` (or a top-level `schedules { … }`). */
  Schedules: 7,
  /** One form workflow: settings (`form = …`, `record event = …`), then its events. */
  Workflow: 8,
  /** An event of a form workflow (`on validate`), or its `actions` group. */
  WorkflowEvent: 9,
  /** `functions { … }`, or its language group (`Deluge { … }`). */
  Functions: 10,
  /** Code, or anything else whose blocks need no naming: the component is inherited. */
  Inner: 11,
} as const;
type Role = (typeof Role)[keyof typeof Role];

/** Roles whose lines are collected: a block's header is the line before its `{`. */
const COLLECTING: ReadonlySet<Role> = new Set<Role>([
  Role.DsRoot,
  Role.LooseRoot,
  Role.App,
  Role.Form,
  Role.FormEvent,
  Role.Workflows,
  Role.FormWorkflows,
  Role.Schedules,
  Role.Workflow,
  Role.WorkflowEvent,
  Role.Functions,
]);

/** A form workflow's name and settings, filled in as its lines are read. */
interface WorkflowInfo {
  name: string;
  form?: string;
  event?: string;
}

interface Frame {
  /** `{`, `(` or `[`; 0 for the file itself. */
  open: number;
  line: number;
  col: number;
  role: Role;
  collect: boolean;
  /** The component a call in this block belongs to; null where none is known. */
  component: string | null;
  /** `invokeurl [`: its keys are read. */
  invoke: boolean;
  workflow: WorkflowInfo | null;
  form: string | null;
}

/** Return types that start a function definition: `void name(…)`, `map name(…)`, … */
const FUNCTION_TYPES: ReadonlySet<string> = new Set([
  'void',
  'string',
  'text',
  'int',
  'bigint',
  'decimal',
  'float',
  'bool',
  'boolean',
  'date',
  'datetime',
  'time',
  'timestamp',
  'map',
  'list',
  'collection',
  'file',
]);

const OPEN = { 125: 123, 41: 40, 93: 91 } as Record<number, number>;
const CHAR: Record<number, string> = { 123: '{', 125: '}', 40: '(', 41: ')', 91: '[', 93: ']' };

/**
 * A header token once read: a word as written, a string as `"content`, punctuation as its
 * character. While a line is read, its tokens are kept as offsets only (`Line`): most lines
 * never become a header, and slicing every token would cost more than the scan itself.
 */
type HeaderToken = string;
/** Flat triples: token kind, start, end. */
type Line = number[];

/**
 * Scans one file. `file` is the path that positions and loose scripts' applications use.
 *
 * Deluge strings may span lines, so one stray `"` pairs with the next quote and turns code into
 * string and string into code for the rest of the file; the damage shows far from its cause, or
 * not at all. A file that reads with problems is therefore read a second time with strings ending
 * at their line's end, which pins a stray quote to its line; the reading with fewer problems (then
 * more usages) wins. A well-formed file is read once.
 */
export function scanDeluge(file: string, text: string): ScanResult {
  const first = scanOnce(file, text, true);
  if (first.problems === 0) return capped(file, first);
  const second = scanOnce(file, text, false);
  const better = second.problems < first.problems || (second.problems === first.problems && second.usages.length > first.usages.length);
  return capped(file, better ? second : first);
}

/** Warnings kept while reading a file, before they are sorted and cut to MAX_WARNINGS_PER_FILE. */
const KEPT_WARNINGS = 2000;

/** Warnings shown per file; the rest are counted in one more warning. */
export const MAX_WARNINGS_PER_FILE = 20;

/** A reading, with how many warnings it had in all (`warnings` keeps the first few) and how many were `deluge` problems. */
interface Reading extends ScanResult {
  total: number;
  problems: number;
}

/** The first MAX_WARNINGS_PER_FILE warnings by position, then one that counts the rest. */
function capped(file: string, r: Reading): ScanResult {
  const warnings = r.warnings.slice(0, MAX_WARNINGS_PER_FILE);
  const left = r.total - warnings.length;
  if (left > 0) {
    warnings.push({
      file,
      line: 1,
      col: 1,
      severity: 'warning',
      code: 'deluge',
      message: `and ${left.toLocaleString('en-US')} more warning${left > 1 ? 's' : ''} in this file, not shown`,
      hint: 'the first ones usually explain the rest',
    });
  }
  return { usages: r.usages, warnings };
}

function scanOnce(file: string, text: string, multiline: boolean): Reading {
  const isExport = /\.ds$/i.test(file);
  const usages: CodeUsage[] = [];
  const warnings: Diagnostic[] = [];
  let total = 0;
  let problems = 0;
  // Only a bounded number is kept (sorted by position at the end): memory stays small whatever the file holds.
  const warn = (line: number, col: number, code: DiagnosticCode, message: string, hint?: string) => {
    total++;
    if (code === 'deluge') problems++;
    if (warnings.length < KEPT_WARNINGS) warnings.push({ file, line, col, severity: 'warning', code, message, ...(hint ? { hint } : {}) });
  };

  const tk = new Tokenizer(text, multiline);
  let app: string | null = isExport ? null : file;
  // The open brackets, `stack[0]` being the file: frames above `depth` are kept for reuse, so that
  // the brackets of plain code (most of them) allocate nothing.
  const stack: Frame[] = [frame(0, 1, 1, isExport ? Role.DsRoot : Role.LooseRoot, null, null, null)];
  let depth = 1;
  if (!isExport) stack[0]!.component = 'script';

  // The header of the next block: the tokens of the current line, or failing that of the line before.
  let cur: Line = [];
  let prev: Line = [];
  const keep = () => cur.push(tk.kind, tk.start, tk.end);
  const read = (line: Line): HeaderToken[] => {
    const out: HeaderToken[] = [];
    for (let i = 0; i < line.length; i += 3) {
      const [kind, start, end] = [line[i]!, line[i + 1]!, line[i + 2]!];
      out.push(kind === Tok.String ? '"' + stringContent(text, start, end) : text.slice(start, end));
    }
    return out;
  };

  // invokeurl: 1 after the word, waiting for `[`.
  let afterInvoke = false;
  let invokeLine = 0;
  let invokeCol = 0;
  // `connection : "x"` in an invokeurl block: 1 after the key, 2 after `:`, 3 after the string.
  let key = 0;
  let keyLine = 0;
  let keyCol = 0;
  let value = '';

  const top = () => stack[depth - 1]!;
  const record = () => {
    const t = top();
    usages.push({
      connection: value,
      app: app ?? file,
      component: componentOf(t),
      kind: INVOKEURL_KIND,
      file,
      line: keyLine,
      col: keyCol,
    });
  };
  const dynamic = () =>
    warn(
      keyLine,
      keyCol,
      'usage-dynamic',
      'this invokeurl names its connection with an expression, not a string literal: the usage is not counted',
      'write connection:"link_name" so that connectorops can see which connection the call uses',
    );

  for (;;) {
    const kind = tk.next();

    // The connection key's value, one token at a time.
    if (key !== 0) {
      if (key === 1) {
        key = kind === Tok.Punct && tk.code === 58 /* : */ ? 2 : 0;
        if (key === 2) continue;
      } else if (key === 2) {
        if (kind === Tok.Newline) continue;
        if (kind === Tok.String) {
          value = tk.tokenText();
          key = 3;
          continue;
        }
        dynamic();
        key = 0;
      } else {
        if (kind === Tok.Punct && (tk.code === 43 /* + */ || tk.code === 46 /* . */ || tk.code === 40) /* ( */) dynamic();
        else if (value === '') warn(keyLine, keyCol, 'usage-dynamic', 'this invokeurl names an empty connection: the usage is not counted');
        else record();
        key = 0;
      }
    }

    if (afterInvoke && kind !== Tok.Newline) {
      afterInvoke = false;
      if (kind === Tok.Punct && tk.code === 91 /* [ */) {
        push(91, true);
        continue;
      }
      warn(invokeLine, invokeCol, 'deluge', 'invokeurl is not followed by [ … ]: the call is not read');
    }

    if (kind === Tok.End) break;
    const t = top();

    if (kind === Tok.Newline) {
      if (t.collect && cur.length) {
        if (t.role === Role.Workflow && t.workflow) readSetting(t.workflow, read(cur));
        const swap = prev;
        prev = cur;
        cur = swap;
        cur.length = 0;
      }
      continue;
    }

    if (kind === Tok.Word) {
      if (tk.isWord('invokeurl')) {
        afterInvoke = true;
        invokeLine = tk.line;
        invokeCol = tk.col;
      } else if (t.invoke && tk.isWord('connection')) {
        key = 1;
        keyLine = tk.line;
        keyCol = tk.col;
      }
      if (t.collect) keep();
      continue;
    }

    if (kind === Tok.String) {
      if (t.collect) keep();
      continue;
    }

    // Punctuation.
    const c = tk.code;
    if (c === 123 || c === 40 || c === 91) {
      push(c, false);
      continue;
    }
    if (c === 125 || c === 41 || c === 93) {
      close(c);
      continue;
    }
    if (t.collect) {
      // A statement's end: what came before it is no block's header (and a long script's top
      // level is not kept line by line).
      if (c === 59 /* ; */) cur.length = prev.length = 0;
      else keep();
    }
  }

  for (const p of tk.problems) warn(p.line, p.col, 'deluge', p.message);
  total += tk.problemCount - tk.problems.length;
  problems += tk.problemCount - tk.problems.length;
  if (depth > 1) {
    const open = stack[depth - 1]!;
    const more = depth - 2;
    warn(
      open.line,
      open.col,
      'deluge',
      `'${CHAR[open.open]}' opened here is never closed` + (more ? ` (and ${more} more bracket${more > 1 ? 's' : ''} around it)` : ''),
      'the usages read up to the end of the file are counted',
    );
  }
  if (isExport && app === null && usages.length) {
    warn(
      1,
      1,
      'deluge',
      'this .ds file has no application "Name" header: its usages are named by the file\'s path',
      'a Creator export starts with application "Name" { … }',
    );
  }
  warnings.sort((a, b) => a.line - b.line || a.col - b.col);
  return { usages, warnings, total, problems };

  function push(open: number, invoke: boolean): void {
    const parent = top();
    if (invoke || !parent.collect || open !== 123) {
      // Only a `{` starts a block worth naming; a `(` holds field definitions, parameters or
      // `custom deluge script ( CODE )`, which belong to the block around them.
      let f = stack[depth];
      if (f === undefined) stack[depth] = f = frame(open, 0, 0, Role.Inner, null, null, null);
      f.open = open;
      f.line = tk.line;
      f.col = tk.col;
      f.role = Role.Inner;
      f.collect = false;
      f.component = parent.component;
      f.invoke = invoke;
      f.workflow = parent.workflow;
      f.form = parent.form;
    } else {
      stack[depth] = child(parent, open, read(cur.length ? cur : prev));
    }
    depth++;
    if (!parent.collect) return;
    // A `(` inside a header line (`void f(int a)`) keeps the line going; a block starts afresh.
    if (open !== 40) cur.length = prev.length = 0;
    else keep();
  }

  function child(parent: Frame, open: number, header: readonly HeaderToken[]): Frame {
    const make = (role: Role, component: string | null, workflow = parent.workflow, form = parent.form) => frame(open, tk.line, tk.col, role, component, workflow, form);
    const inner = () => make(Role.Inner, parent.component);
    const words = header.filter((h) => !h.startsWith('"')).map((h) => h.toLowerCase());
    const first = words[0] ?? '';

    switch (parent.role) {
      case Role.DsRoot:
        if (first === 'application') {
          const name = header.find((h) => h.startsWith('"'));
          app = name !== undefined ? name.slice(1) : (header[1] ?? null);
          return make(Role.App, null);
        }
        return inner();
      case Role.LooseRoot: {
        const fn = functionName(header);
        return make(Role.Inner, fn ? `function:${fn}` : parent.component);
      }
      case Role.App:
        if (first === 'forms' || first === 'section') return make(Role.App, null);
        if (first === 'form' && header[1]) return make(Role.Form, `form:${header[1]}`, null, header[1]);
        if (first === 'workflow' || first === 'workflows') return make(Role.Workflows, null);
        if (first === 'functions') return make(Role.Functions, null);
        if (first === 'schedules' || first === 'schedule') return make(Role.Schedules, null);
        return make(Role.Inner, header.length ? header.join(' ') : null);
      case Role.Form:
        if (first === 'on') return make(Role.FormEvent, `form:${parent.form} (${words.join(' ')})`);
        return inner();
      case Role.FormEvent:
        if (first === 'on') return make(Role.Inner, `${parent.component!.slice(0, -1)}, ${words.join(' ')})`);
        return inner();
      case Role.Workflows:
        if (first === 'form') return make(Role.FormWorkflows, null);
        if (first === 'schedule' || first === 'schedules') return make(Role.Schedules, null);
        return make(Role.Inner, header.length ? `workflow ${header.join(' ')}` : null);
      case Role.FormWorkflows:
        if (header[0] && !header[0].startsWith('"')) {
          const workflow: WorkflowInfo = { name: header[0] };
          return make(Role.Workflow, `workflow:${header[0]}`, workflow);
        }
        return inner();
      case Role.Schedules:
        if (header[0] && !header[0].startsWith('"')) return make(Role.Inner, `schedule:${header[0]}`);
        return inner();
      case Role.Workflow:
        if (first === 'on') return make(Role.WorkflowEvent, workflowComponent(parent.workflow!, words.join(' ')));
        return inner();
      case Role.WorkflowEvent:
        if (first === 'actions') return make(Role.WorkflowEvent, parent.component);
        return inner();
      case Role.Functions: {
        const fn = functionName(header);
        if (fn) return make(Role.Inner, `function:${fn}`);
        // `Deluge { … }`: the language group.
        if (header.length === 1) return make(Role.Functions, null);
        return inner();
      }
      default:
        return inner();
    }
  }

  function close(c: number): void {
    const want = OPEN[c]!;
    let k = depth - 1;
    while (k > 0 && stack[k]!.open !== want) k--;
    if (k === 0) {
      warn(tk.line, tk.col, 'deluge', `'${CHAR[c]}' closes nothing that is open`);
      return;
    }
    if (k !== depth - 1) {
      const open = stack[depth - 1]!;
      warn(open.line, open.col, 'deluge', `'${CHAR[open.open]}' opened here is not closed before '${CHAR[c]}' at ${tk.line}:${tk.col}`);
    }
    const closed = stack[k]!;
    depth = k;
    if (!top().collect) return;
    if (closed.open !== 40) cur.length = prev.length = 0;
    else cur.push(Tok.Punct, tk.start, tk.end);
  }
}

function frame(open: number, line: number, col: number, role: Role, component: string | null, workflow: WorkflowInfo | null, form: string | null): Frame {
  return { open, line, col, role, collect: COLLECTING.has(role), component, invoke: false, workflow, form };
}

/** The component of a call made in `f`. */
function componentOf(f: Frame): string {
  return f.component ?? '(application level)';
}

/** `workflow:on_add_order (form Orders, on add, on validate)`. */
function workflowComponent(w: WorkflowInfo, stage: string): string {
  const detail = [w.form !== undefined ? `form ${w.form}` : null, w.event ?? null, stage].filter((x) => x !== null);
  return `workflow:${w.name} (${detail.join(', ')})`;
}

/** `form = Orders`, `record event = on add`: the settings that name a form workflow. */
function readSetting(w: WorkflowInfo, line: readonly HeaderToken[]): void {
  const eq = line.indexOf('=');
  if (eq < 1) return;
  const name = line.slice(0, eq).join(' ').toLowerCase();
  const rest = line
    .slice(eq + 1)
    .map((h) => (h.startsWith('"') ? h.slice(1) : h))
    .join(' ');
  if (name === 'form') w.form = rest;
  else if (name === 'record event') w.event = rest;
}

/** `void orders.send_invoice(int id)` → `orders.send_invoice`; null when the header is no function definition. */
function functionName(header: readonly HeaderToken[]): string | null {
  if (header.length < 3 || !FUNCTION_TYPES.has(header[0]!.toLowerCase())) return null;
  let name = '';
  let i = 1;
  for (; i < header.length; i++) {
    const h = header[i]!;
    if (h === '(') break;
    if (h.startsWith('"')) return null;
    name += h;
  }
  return i < header.length && name !== '' && !name.startsWith('.') ? name : null;
}
