/**
 * YAML text → documents that remember where they came from. Positions are only needed when
 * something is wrong, so a document keeps its parsed node tree and resolves a path to a
 * `file:line:col` on demand instead of recording positions for every value up front.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import type { Diagnostic } from '../errors.js';
import type { SourceLocation } from '../model/types.js';

/** One YAML document of a file, its value and the means to locate any path in it. */
export interface ParsedDocument {
  file: string;
  /** 0-based position of the document in its file. */
  index: number;
  /** The document as plain data (`toJS`). */
  value: unknown;
  /** Where the document's content starts. */
  start: SourceLocation;
  /**
   * Where `path` is written. `at: 'key'` points at the key of the last segment (unknown keys),
   * `'value'` at its value (bad values). A path that does not exist resolves to the closest
   * existing ancestor's key, or to the document start.
   */
  locate(path: readonly PropertyKey[], at?: 'key' | 'value'): SourceLocation;
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
};

/**
 * Parses every document of `text`. Never throws: YAML errors become diagnostics (code `yaml`) and
 * the documents that have them are left out, since their values cannot be trusted.
 * Messages never quote the source: it may hold a secret that S1 is about to refuse.
 */
export function parseYamlFile(file: string, text: string): ParsedFile {
  const lines = new LineCounter();
  // prettyErrors would append the offending source line to messages; positions are ours to add.
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const documents: ParsedDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  const pos = (offset: number): SourceLocation => {
    const { line, col } = lines.linePos(offset);
    // linePos reports line 0 before the first newline is known.
    return { file, line: Math.max(line, 1), col: Math.max(col, 1) };
  };

  if ('empty' in docs) {
    for (const e of docs.errors) diagnostics.push(yamlDiagnostic(pos(e.pos[0]), e.code, e.message, text, e.pos, 'error'));
    return { documents, diagnostics };
  }

  docs.forEach((doc, index) => {
    for (const w of doc.warnings) diagnostics.push(yamlDiagnostic(pos(w.pos[0]), w.code, w.message, text, w.pos, 'warning'));
    if (doc.errors.length > 0) {
      for (const e of doc.errors) diagnostics.push(yamlDiagnostic(pos(e.pos[0]), e.code, e.message, text, e.pos, 'error'));
      return;
    }
    // A document holding only comments (or the empty tail after a final `---`) is no manifest.
    if (doc.contents === null) return;
    const startOffset = doc.contents.range[0];
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // Unresolvable or exploding aliases.
      diagnostics.push({ ...pos(startOffset), severity: 'error', code: 'yaml', message: (error as Error).message });
      return;
    }
    documents.push({
      file,
      index,
      value,
      start: pos(startOffset),
      locate: (path, at = 'value') => pos(offsetOf(doc, path, at) ?? startOffset),
    });
  });
  return { documents, diagnostics };
}

function yamlDiagnostic(
  at: SourceLocation,
  yamlCode: string,
  message: string,
  text: string,
  range: [number, number],
  severity: 'error' | 'warning',
): Diagnostic {
  let msg = message;
  // Name the duplicate key; it is a key, never a value, so it is safe to repeat.
  if (yamlCode === 'DUPLICATE_KEY') msg = `duplicate key '${text.slice(range[0], range[1]).trim()}'`;
  const hint = YAML_HINTS[yamlCode];
  return { ...at, severity, code: 'yaml', message: msg, ...(hint ? { hint } : {}) };
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
