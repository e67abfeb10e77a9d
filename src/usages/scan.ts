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
import { agree, plural } from '../util/text.js';

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

interface ScanOptions {
  /**
   * Feed every token to the scanner, code included, instead of passing over the code that cannot
   * hold a call: slower, the same result. The simple reading that tests hold the fast one to.
   */
  tokenByToken?: boolean;
}

/**
 * Scans one file. `file` is the path that positions and loose scripts' applications use.
 *
 * Deluge strings may span lines, so one stray `"` pairs with the next quote and turns code into
 * string and string into code for the rest of the file; the damage shows far from its cause, or
 * not at all. A file that reads with problems is therefore read a second time with strings ending
 * at their line's end, which pins a stray quote to its line; the reading with fewer problems (then
 * more usages) wins. A well-formed file is read once.
 */
export function scanDeluge(file: string, text: string, options: ScanOptions = {}): ScanResult {
  const skim = options.tokenByToken !== true;
  const first = scanOnce(file, text, true, skim);
  if (first.problems === 0) return capped(file, first);
  const second = scanOnce(file, text, false, skim);
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
      message: `and ${left.toLocaleString('en-US')} more ${agree(left, 'warning')} in this file, not shown`,
      hint: 'the first ones usually explain the rest',
    });
  }
  return { usages: r.usages, warnings };
}

function scanOnce(file: string, text: string, multiline: boolean, skim: boolean): Reading {
  return new Scanner(file, text, multiline, skim).read();
}

/** Where an `invokeurl … [ connection: "x" ]` stands: the named states between its tokens. */
const Call = {
  /** No call being read. */
  Idle: 0,
  /** After `invokeurl`, waiting for its `[`. */
  Invokeurl: 1,
} as const;
type Call = (typeof Call)[keyof typeof Call];

/** `connection : "x"` in an invokeurl block, one token at a time. */
const Key = {
  Idle: 0,
  /** After the word `connection`: a `:` must follow. */
  Name: 1,
  /** After the `:`: a string literal, or the name is an expression. */
  Colon: 2,
  /** After the string: the next token tells a literal (counted) from an expression (`"a" + b`). */
  Value: 3,
} as const;
type Key = (typeof Key)[keyof typeof Key];

/**
 * The warnings of one reading: only a bounded number is kept (sorted by position at the end), so
 * memory stays small whatever the file holds; `total` and `problems` count them all.
 */
class Warnings {
  readonly list: Diagnostic[] = [];
  total = 0;
  problems = 0;

  constructor(private readonly file: string) {}

  add(line: number, col: number, code: DiagnosticCode, message: string, hint?: string): void {
    this.total++;
    if (code === 'deluge') this.problems++;
    if (this.list.length < KEPT_WARNINGS) this.list.push({ file: this.file, line, col, severity: 'warning', code, message, ...(hint ? { hint } : {}) });
  }

  /** Problems the tokenizer counted beyond those it kept. */
  addUnkept(count: number): void {
    this.total += count;
    this.problems += count;
  }
}

/**
 * One reading of one file: a tokenizer, the stack of open brackets, the header lines of the next
 * block, and two small state machines (`Call`, `Key`) for the call being read. `read` feeds each
 * token to the state it concerns; each handler is one kind of token.
 */
class Scanner {
  private readonly isExport: boolean;
  private readonly tk: Tokenizer;
  private readonly usages: CodeUsage[] = [];
  private readonly warnings: Warnings;
  /** The application the calls belong to: a `.ds` file's `application "Name"`, a loose script's path. */
  private app: string | null;
  // The open brackets, `stack[0]` being the file: frames above `depth` are kept for reuse, so that
  // the brackets of plain code (most of them) allocate nothing.
  private readonly stack: Frame[];
  private depth = 1;
  // The header of the next block: the tokens of the current line, or failing that of the line before.
  private cur: Line = [];
  private prev: Line = [];

  private call: Call = Call.Idle;
  private callLine = 0;
  private callCol = 0;
  private key: Key = Key.Idle;
  private keyLine = 0;
  private keyCol = 0;
  private value = '';

  constructor(
    private readonly file: string,
    private readonly text: string,
    multiline: boolean,
    /** False: every token goes through the handlers (the reference that `skim` is tested against). */
    private readonly skim: boolean,
  ) {
    this.isExport = /\.ds$/i.test(file);
    this.tk = new Tokenizer(text, multiline);
    this.warnings = new Warnings(file);
    this.app = this.isExport ? null : file;
    this.stack = [frame(0, 1, 1, this.isExport ? Role.DsRoot : Role.LooseRoot, null, null, null)];
    if (!this.isExport) this.stack[0]!.component = 'script';
  }

  read(): Reading {
    const tk = this.tk;
    for (;;) {
      // Where no call is being read and the block collects no header (code: most of a file),
      // only brackets and `invokeurl` (in its `[ … ]`, `connection` too) change anything: every
      // other token would be a no-op below, so the tokenizer passes over them (`skim`), and over
      // the brackets that open and close plain blocks of code in between.
      const top = this.stack[this.depth - 1]!;
      let kind: Tok;
      if (this.skim && this.key === Key.Idle && this.call === Call.Idle && !top.collect) {
        kind = tk.skim(top.invoke);
        if (tk.opened) this.pushSkimmed();
      } else kind = tk.next();
      if (this.key !== Key.Idle && this.onKey(kind)) continue;
      if (this.call === Call.Invokeurl && kind !== Tok.Newline && this.onInvokeurl(kind)) continue;
      if (kind === Tok.End) break;
      if (kind === Tok.Newline) this.onNewline();
      else if (kind === Tok.Word) this.onWord();
      else if (kind === Tok.String) this.onString();
      else this.onPunct(tk.code);
    }
    return this.finish();
  }

  private top(): Frame {
    return this.stack[this.depth - 1]!;
  }

  private keep(): void {
    this.cur.push(this.tk.kind, this.tk.start, this.tk.end);
  }

  /** A line's tokens as header tokens (HeaderToken). */
  private header(line: Line): HeaderToken[] {
    const out: HeaderToken[] = [];
    for (let i = 0; i < line.length; i += 3) {
      const [kind, start, end] = [line[i]!, line[i + 1]!, line[i + 2]!];
      out.push(kind === Tok.String ? '"' + stringContent(this.text, start, end) : this.text.slice(start, end));
    }
    return out;
  }

  /** The connection key's value, one token at a time. True when the token is used up. */
  private onKey(kind: Tok): boolean {
    const tk = this.tk;
    if (this.key === Key.Name) {
      this.key = kind === Tok.Punct && tk.code === 58 /* : */ ? Key.Colon : Key.Idle;
      return this.key === Key.Colon;
    }
    if (this.key === Key.Colon) {
      if (kind === Tok.Newline) return true;
      if (kind === Tok.String) {
        this.value = tk.tokenText();
        this.key = Key.Value;
        return true;
      }
      this.dynamic();
      this.key = Key.Idle;
      return false;
    }
    if (kind === Tok.Punct && (tk.code === 43 /* + */ || tk.code === 46 /* . */ || tk.code === 40) /* ( */) this.dynamic();
    else if (this.value === '') this.warnings.add(this.keyLine, this.keyCol, 'usage-dynamic', 'this invokeurl names an empty connection: the usage is not counted');
    else this.record();
    this.key = Key.Idle;
    return false;
  }

  /** After `invokeurl`: its `[` opens the block whose keys are read. True when the token is used up. */
  private onInvokeurl(kind: Tok): boolean {
    this.call = Call.Idle;
    if (kind === Tok.Punct && this.tk.code === 91 /* [ */) {
      this.push(91, true);
      return true;
    }
    this.warnings.add(this.callLine, this.callCol, 'deluge', 'invokeurl is not followed by [ … ]: the call is not read');
    return false;
  }

  private onNewline(): void {
    const t = this.top();
    if (!t.collect || !this.cur.length) return;
    if (t.role === Role.Workflow && t.workflow) readSetting(t.workflow, this.header(this.cur));
    const swap = this.prev;
    this.prev = this.cur;
    this.cur = swap;
    this.cur.length = 0;
  }

  private onWord(): void {
    const tk = this.tk;
    const t = this.top();
    if (tk.isWord('invokeurl')) {
      this.call = Call.Invokeurl;
      this.callLine = tk.line;
      this.callCol = tk.col;
    } else if (t.invoke && tk.isWord('connection')) {
      this.key = Key.Name;
      this.keyLine = tk.line;
      this.keyCol = tk.col;
    }
    if (t.collect) this.keep();
  }

  private onString(): void {
    if (this.top().collect) this.keep();
  }

  private onPunct(c: number): void {
    if (c === 123 || c === 40 || c === 91) return this.push(c, false);
    if (c === 125 || c === 41 || c === 93) return this.close(c);
    if (!this.top().collect) return;
    // A statement's end: what came before it is no block's header (and a long script's top
    // level is not kept line by line).
    if (c === 59 /* ; */) this.cur.length = this.prev.length = 0;
    else this.keep();
  }

  private record(): void {
    this.usages.push({
      connection: this.value,
      app: this.app ?? this.file,
      component: componentOf(this.top()),
      kind: INVOKEURL_KIND,
      file: this.file,
      line: this.keyLine,
      col: this.keyCol,
    });
  }

  private dynamic(): void {
    this.warnings.add(
      this.keyLine,
      this.keyCol,
      'usage-dynamic',
      'this invokeurl names its connection with an expression, not a string literal: the usage is not counted',
      'write connection:"link_name" so that connectorops can see which connection the call uses',
    );
  }

  /** The brackets that `skim` opened and left open: plain blocks of code, as `push` makes them in code. */
  private pushSkimmed(): void {
    const tk = this.tk;
    for (let i = 0; i < tk.opened; i++) {
      this.pushInner(this.top(), tk.openCode[i]!, tk.openLine[i]!, tk.openCol[i]!, false);
      this.depth++;
    }
    tk.opened = 0;
  }

  /** A block that names nothing: its calls belong to the component around it. */
  private pushInner(parent: Frame, open: number, line: number, col: number, invoke: boolean): void {
    let f = this.stack[this.depth];
    if (f === undefined) this.stack[this.depth] = f = frame(open, 0, 0, Role.Inner, null, null, null);
    f.open = open;
    f.line = line;
    f.col = col;
    f.role = Role.Inner;
    f.collect = false;
    f.component = parent.component;
    f.invoke = invoke;
    f.workflow = parent.workflow;
    f.form = parent.form;
  }

  private push(open: number, invoke: boolean): void {
    const parent = this.top();
    const tk = this.tk;
    if (invoke || !parent.collect || open !== 123) {
      // Only a `{` starts a block worth naming; a `(` holds field definitions, parameters or
      // `custom deluge script ( CODE )`, which belong to the block around them.
      this.pushInner(parent, open, tk.line, tk.col, invoke);
    } else {
      const header = this.header(this.cur.length ? this.cur : this.prev);
      if (parent.role === Role.DsRoot) {
        const app = applicationName(header);
        if (app !== undefined) this.app = app;
      }
      this.stack[this.depth] = child(parent, header, (role, component, workflow = parent.workflow, form = parent.form) =>
        frame(open, tk.line, tk.col, role, component, workflow, form),
      );
    }
    this.depth++;
    if (!parent.collect) return;
    // A `(` inside a header line (`void f(int a)`) keeps the line going; a block starts afresh.
    if (open !== 40) this.cur.length = this.prev.length = 0;
    else this.keep();
  }

  private close(c: number): void {
    const tk = this.tk;
    const want = OPEN[c]!;
    let k = this.depth - 1;
    while (k > 0 && this.stack[k]!.open !== want) k--;
    if (k === 0) {
      this.warnings.add(tk.line, tk.col, 'deluge', `'${CHAR[c]}' closes nothing that is open`);
      return;
    }
    if (k !== this.depth - 1) {
      const open = this.top();
      this.warnings.add(open.line, open.col, 'deluge', `'${CHAR[open.open]}' opened here is not closed before '${CHAR[c]}' at ${tk.line}:${tk.col}`);
    }
    const closed = this.stack[k]!;
    this.depth = k;
    if (!this.top().collect) return;
    if (closed.open !== 40) this.cur.length = this.prev.length = 0;
    else this.cur.push(Tok.Punct, tk.start, tk.end);
  }

  /** The end of the file: the tokenizer's problems, what is left open, a nameless export. */
  private finish(): Reading {
    const { tk, warnings } = this;
    for (const p of tk.problems) warnings.add(p.line, p.col, 'deluge', p.message);
    warnings.addUnkept(tk.problemCount - tk.problems.length);
    if (this.depth > 1) {
      const open = this.top();
      const more = this.depth - 2;
      warnings.add(
        open.line,
        open.col,
        'deluge',
        `'${CHAR[open.open]}' opened here is never closed` + (more ? ` (and ${plural(more, 'more bracket')} around it)` : ''),
        'the usages read up to the end of the file are counted',
      );
    }
    if (this.isExport && this.app === null && this.usages.length) {
      warnings.add(
        1,
        1,
        'deluge',
        'this .ds file has no application "Name" header: its usages are named by the file\'s path',
        'a Creator export starts with application "Name" { … }',
      );
    }
    warnings.list.sort((a, b) => a.line - b.line || a.col - b.col);
    return { usages: this.usages, warnings: warnings.list, total: warnings.total, problems: warnings.problems };
  }
}

/** `application "Order Desk" {`: the application's name (null when the header names none); undefined for any other block. */
function applicationName(header: readonly HeaderToken[]): string | null | undefined {
  const first = header.find((h) => !h.startsWith('"'));
  if (first?.toLowerCase() !== 'application') return undefined;
  const name = header.find((h) => h.startsWith('"'));
  return name !== undefined ? name.slice(1) : (header[1] ?? null);
}

type MakeFrame = (role: Role, component: string | null, workflow?: WorkflowInfo | null, form?: string | null) => Frame;

/** The frame of a `{` block opened in `parent` (a collecting frame), named by its header. */
function child(parent: Frame, header: readonly HeaderToken[], make: MakeFrame): Frame {
  const inner = () => make(Role.Inner, parent.component);
  const words = header.filter((h) => !h.startsWith('"')).map((h) => h.toLowerCase());
  const first = words[0] ?? '';

  switch (parent.role) {
    case Role.DsRoot:
      return first === 'application' ? make(Role.App, null) : inner();
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
      if (header[0] && !header[0].startsWith('"')) return make(Role.Workflow, `workflow:${header[0]}`, { name: header[0] });
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
