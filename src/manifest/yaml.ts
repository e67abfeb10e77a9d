/**
 * YAML text → documents that remember where they came from. Positions are only needed when
 * something is wrong, so a document resolves a path to a `file:line:col` on demand (from the
 * file's text) instead of recording positions for every value up front.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments, visit, type Document, type Node } from 'yaml';
import type { Diagnostic } from '../errors.js';
import type { SourceLocation } from '../model/types.js';
import { KNOWN_KEYS } from './schema.js';
import { capYamlProblems, yamlMessage, yamlValueMessage } from './yaml-messages.js';

/** The means to find where any path of a document is written. */
export interface Locator {
  /**
   * Where `path` is written. `at: 'key'` points at the key of the last segment (unknown keys),
   * `'value'` at its value (bad values). A path that does not exist resolves to the closest
   * existing ancestor's key, or to the document start.
   */
  locate(path: readonly PropertyKey[], at?: 'key' | 'value'): SourceLocation;
}

/** One YAML document of a file, its value and the means to locate any path in it. */
export interface ParsedDocument extends Locator {
  file: string;
  /** 0-based position of the document in its file. */
  index: number;
  /** The document as plain data (`toJS`). */
  value: unknown;
  /** Where the document's content starts. */
  start: SourceLocation;
}

export interface ParsedFile {
  documents: ParsedDocument[];
  diagnostics: Diagnostic[];
}

const YAML_HINTS: Record<string, string> = {
  TAB_AS_INDENT: 'indent YAML with spaces, never tabs',
  DUPLICATE_KEY: 'a key may appear only once in a mapping: remove or rename one of them',
  BAD_INDENT: 'check the indentation, and that every [ and { is closed',
  MISSING_CHAR: 'a bracket or quote is not closed',
  UNEXPECTED_TOKEN: 'check the indentation, and that every [ and { is closed',
  BLOCK_AS_IMPLICIT_KEY: 'quote the value if it contains ": "',
  MULTILINE_IMPLICIT_KEY: 'check the indentation, and that a key and its colon are on one line',
};

/**
 * Parses every document of `text`. Never throws: YAML errors become diagnostics (code `yaml`) and
 * the documents that have them are left out, since their values cannot be trusted.
 * Messages never quote a value from the source: it may be a secret that S1 is about to refuse.
 *
 * The happy path keeps only plain values: holding thousands of node trees until the cross-document
 * checks are done costs more in garbage collection than parsing them did. A file that turns out to
 * need positions is parsed again, with a LineCounter, the first time one is asked for.
 */
export function parseYamlFile(file: string, text: string): ParsedFile {
  const docs = parseAllDocuments(text, OPTIONS);
  const positions = new FilePositions(file, text);
  const documents: ParsedDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  // An over-indented line is reported twice by the parser (BLOCK_AS_IMPLICIT_KEY, then
  // MULTILINE_IMPLICIT_KEY at the same offset): say it once.
  const indentationAt = new Set<number>();
  const problem = (p: { code: string; message: string; pos: [number, number] }, severity: 'error' | 'warning') => {
    if (p.code === 'MULTILINE_IMPLICIT_KEY' && indentationAt.has(p.pos[0])) return;
    const explained = explain(p.code, p.message, text, p.pos[0]);
    if (explained.indentation) indentationAt.add(p.pos[0]);
    // What explain did not reword is reworded so that no source text is quoted (yaml-messages.ts).
    const message = explained.message === p.message ? yamlMessage(p.code, p.message) : explained.message;
    const hint = explained.hint ?? YAML_HINTS[p.code];
    diagnostics.push({ ...positions.at(explained.offset), severity, code: 'yaml', message, ...(hint ? { hint } : {}) });
  };

  if ('empty' in docs) {
    for (const e of docs.errors) problem(e, 'error');
    return { documents, diagnostics: capYamlProblems(diagnostics) };
  }
  const starts = lineStarts(file, text);
  docs.forEach((doc, index) => {
    for (const w of doc.warnings) problem(w, 'warning');
    if (doc.errors.length > 0) {
      for (const e of doc.errors) problem(e, 'error');
      return;
    }
    // A document holding only comments (or the empty tail after a final `---`) is no manifest.
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return;
    const startOffset = doc.contents.range[0];
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // An alias without its anchor, or aliases that expand without bound: point at the alias.
      const alias = firstBadAlias(doc);
      diagnostics.push({ ...positions.at(alias ?? startOffset), severity: 'error', code: 'yaml', message: yamlValueMessage((error as Error).message) });
      return;
    }
    documents.push({ file, index, value, start: starts(startOffset), locate: locator(positions, index, startOffset) });
  });
  return { documents, diagnostics: capYamlProblems(diagnostics) };
}

/**
 * A document's `locate`. Built here, away from parseYamlFile's scope, so that the closure holds
 * only what it needs: a closure keeps its whole enclosing scope alive, and that one holds every
 * raw value of the file.
 */
function locator(positions: FilePositions, index: number, startOffset: number): Locator['locate'] {
  return (path, at = 'value') => positions.locate(index, path, at, startOffset);
}

/** Positions in one file, from a second parse with a LineCounter that only a problem pays for. */
class FilePositions {
  private parsed: { docs: Document.Parsed[]; lines: LineCounter } | undefined;

  constructor(
    private readonly file: string,
    private readonly text: string,
  ) {}

  at(offset: number): SourceLocation {
    const { line, col } = this.get().lines.linePos(offset);
    // linePos reports line 0 before the first newline is known.
    return { file: this.file, line: Math.max(line, 1), col: Math.max(col, 1) };
  }

  locate(index: number, path: readonly PropertyKey[], at: 'key' | 'value', fallback: number): SourceLocation {
    const doc = this.get().docs[index];
    return this.at((doc && offsetOf(doc, path, at)) ?? fallback);
  }

  private get() {
    if (!this.parsed) {
      const lines = new LineCounter();
      const docs = parseAllDocuments(this.text, { ...OPTIONS, lineCounter: lines });
      this.parsed = { docs: 'empty' in docs ? [] : docs, lines };
    }
    return this.parsed;
  }
}

/**
 * `logLevel: 'error'`: the library would otherwise print warnings of its own on stderr (a key that
 * is a list or a map: "Keys with collection values will be stringified…"), quoting the manifest's
 * text unescaped and without a position. What is wrong is reported as our diagnostics instead.
 */
const OPTIONS = { prettyErrors: false, uniqueKeys: true, logLevel: 'error' } as const;

/**
 * Positions of increasing offsets without a LineCounter: each call scans on from the last one,
 * so a file is scanned at most once. Same 1-based line and UTF-16 column as LineCounter.
 */
function lineStarts(file: string, text: string): (offset: number) => SourceLocation {
  let line = 1;
  let lineStart = 0;
  let scanned = 0;
  return (offset) => {
    for (let nl = text.indexOf('\n', scanned); nl !== -1 && nl < offset; nl = text.indexOf('\n', nl + 1)) {
      line++;
      lineStart = nl + 1;
    }
    scanned = Math.max(scanned, lineStart);
    return { file, line, col: offset - lineStart + 1 };
  };
}

/**
 * A clearer position and wording for the YAML errors that the parser notices far from their cause.
 * Keys and brackets may be quoted back; scalar values never are.
 */
function explain(code: string, message: string, text: string, offset: number): { offset: number; message: string; hint?: string; indentation?: boolean } {
  // `key: a: b` and an over-indented line both read as a mapping where a value was: tell them
  // apart by what follows on the value's line. A second `: ` there means an unquoted value.
  if (code === 'BLOCK_AS_IMPLICIT_KEY' || code === 'MULTILINE_IMPLICIT_KEY') {
    const lineEnd = text.indexOf('\n', offset);
    const rest = text.slice(offset, lineEnd < 0 ? text.length : lineEnd);
    if (lineEnd >= 0 && !/:(\s|$)/.test(rest)) {
      const next = lineEnd + 1 + (/^[ \t]*/.exec(text.slice(lineEnd + 1))?.[0].length ?? 0);
      return {
        offset: next,
        message: 'this line is indented deeper than the key above it, which already has a value',
        hint: 'check the indentation: keys of the same mapping start at the same column',
        indentation: true,
      };
    }
  }
  if (code === 'DUPLICATE_KEY') {
    // Name the key only when it is one of ours: any other text could be a misplaced secret.
    const key = /^[^:\n,}]*/.exec(text.slice(offset))![0].trim();
    return { offset, message: KNOWN_KEYS.has(key) ? `duplicate key '${key}'` : 'duplicate key' };
  }
  // An unclosed quote is noticed at the end of the document: point at the quote that opened it.
  const quote = code === 'MISSING_CHAR' ? /closing (["'])quote/.exec(message)?.[1] : undefined;
  if (quote) {
    const open = text.lastIndexOf(quote, offset - 1);
    if (open >= 0) return { offset: open, message: `the ${quote === '"' ? 'double' : 'single'} quote opened here is never closed` };
  }
  // An unclosed [ or { is noticed on a later line: point at the bracket.
  const bracket = /end with a ([\]}])/.exec(message)?.[1];
  if (bracket) {
    const open = openingBracket(text, offset, bracket === ']' ? '[' : '{', bracket);
    if (open >= 0) return { offset: open, message: `the ${bracket === ']' ? '[' : '{'} opened here is never closed with a ${bracket}` };
  }
  return { offset, message };
}

/** The unmatched `open` before `offset`, skipping pairs that are closed; -1 if none. */
function openingBracket(text: string, offset: number, open: string, close: string): number {
  let depth = 0;
  for (let i = Math.min(offset, text.length) - 1; i >= 0; i--) {
    if (text[i] === close) depth++;
    else if (text[i] === open && depth-- === 0) return i;
  }
  return -1;
}

/** The offset of the first alias that resolves to nothing. */
function firstBadAlias(doc: Document.Parsed): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Alias(_, node) {
      if (node.resolve(doc) === undefined) {
        found = node.range?.[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** Offset of `path` in `doc`, per `locate`'s rules; undefined for the document start. */
function offsetOf(doc: Document.Parsed, path: readonly PropertyKey[], at: 'key' | 'value'): number | undefined {
  let node: Node | null = doc.contents;
  let keyOffset: number | undefined;
  for (let i = 0; i < path.length; i++) {
    if (isAlias(node)) node = node.resolve(doc) ?? null;
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return keyOffset;
      const key = pair.key as Node;
      if (last && at === 'key') return key.range?.[0];
      keyOffset = key.range?.[0];
      node = (pair.value as Node | null) ?? null;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) return nodeOffset(node) ?? keyOffset;
      node = item;
    } else {
      return nodeOffset(node) ?? keyOffset;
    }
  }
  return nodeOffset(node) ?? keyOffset;
}

function nodeOffset(node: Node | null): number | undefined {
  return node?.range?.[0];
}
