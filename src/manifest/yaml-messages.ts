/**
 * The YAML parser's messages in words that never quote the manifest (S2). The parser quotes
 * source text in several messages (`Unresolved tag: !X`, `Block scalar header includes extra
 * characters: |X`, `Unexpected scalar token in YAML stream: "X"`, `Unresolved alias …: X`), and
 * the text it quotes may be a secret written where a `{ fromEnv: NAME }` belongs. So every message
 * is rebuilt here from the parser's code and vocabulary; what is left of the parser's own text is
 * stripped of quoted parts, escaped and bounded.
 */
import type { Diagnostic } from '../errors.js';
import { sanitizeTerminal } from '../util/terminal.js';

/** The longest message passed on from the parser. */
const MAX_MESSAGE = 160;

/** Token types of the YAML lexer that stand for one fixed character: safe to name. */
const PUNCTUATION: Record<string, string> = {
  'flow-seq-end': ']',
  'flow-seq-start': '[',
  'flow-map-end': '}',
  'flow-map-start': '{',
  'flow-error-end': ']',
  comma: ',',
  'map-value-ind': ':',
  'explicit-key-ind': '?',
  'seq-item-ind': '-',
  'doc-start': '---',
  'doc-end': '...',
};

/** Our message for one of the parser's (errors and warnings while parsing). */
export function yamlMessage(code: string, message: string): string {
  if (code === 'TAG_RESOLVE_FAILED' || /\btag\b/i.test(message)) {
    return 'unknown YAML tag: a value that starts with ! is a tag (quote the value if it is text)';
  }
  if (/^Block scalar header/.test(message)) {
    return 'a block scalar header (| or >) is followed by other characters on its line (quote the value if it is text)';
  }
  if (code === 'BAD_DQ_ESCAPE') return 'a double-quoted value holds an invalid escape sequence (write a backslash as \\\\, or use single quotes)';
  if (code === 'BAD_DIRECTIVE' || /^Unknown directive|^Unsupported YAML version/.test(message)) return 'unknown YAML directive (a line that starts with %)';
  if (code === 'BAD_SCALAR_START') return 'a plain value cannot start with @, ` or % (quote the value)';
  const token = /^Unexpected ([\w-]+) token/.exec(message);
  if (token) {
    const char = PUNCTUATION[token[1]!];
    return char ? `unexpected ${char}` : `unexpected ${token[1] === 'scalar' ? 'text' : token[1]!.replace(/-/g, ' ')}`;
  }
  return bounded(message);
}

/** Our message for an error of building a document's value (aliases). */
export function yamlValueMessage(message: string): string {
  if (/alias/i.test(message) && /unresolved/i.test(message)) return 'an alias (*NAME) refers to an anchor (&NAME) that is not set before it';
  if (/alias/i.test(message)) return 'the aliases of this document expand too far (at most 100 are resolved)';
  return bounded(message);
}

/** The parser's own text without anything it quoted, escaped and cut short. */
function bounded(message: string): string {
  const unquoted = message.replace(/"(?:[^"\\]|\\.)*"|'[^']*'|`[^`]*`/g, '…').replace(/: .*$/s, '');
  const safe = sanitizeTerminal(unquoted);
  return safe.length > MAX_MESSAGE ? `${safe.slice(0, MAX_MESSAGE - 1)}…` : safe;
}

/** The most YAML problems reported for one file: random bytes would otherwise make one per line. */
const MAX_YAML_PROBLEMS_PER_FILE = 20;

/** `diagnostics` of one file, the YAML ones cut to MAX_YAML_PROBLEMS_PER_FILE plus a line that counts the rest. */
export function capYamlProblems(diagnostics: Diagnostic[]): Diagnostic[] {
  const yaml = diagnostics.filter((d) => d.code === 'yaml');
  if (yaml.length <= MAX_YAML_PROBLEMS_PER_FILE) return diagnostics;
  const kept = new Set(yaml.slice(0, MAX_YAML_PROBLEMS_PER_FILE));
  const last = yaml[MAX_YAML_PROBLEMS_PER_FILE]!;
  const more: Diagnostic = {
    file: last.file,
    line: last.line,
    col: last.col,
    severity: 'error',
    code: 'yaml',
    message: `and ${yaml.length - MAX_YAML_PROBLEMS_PER_FILE} more YAML problems in this file, not shown`,
  };
  return [...diagnostics.filter((d) => d.code !== 'yaml' || kept.has(d)), more];
}
