/**
 * A small Deluge tokenizer: words (identifiers, keywords, numbers), strings, punctuation and line
 * ends, with comments skipped. There is no Deluge parser on npm; this and scan.ts are the one
 * place where connectorops reads a language of its own (docs/usages.md lists the subset).
 *
 * It allocates nothing per token: `next()` sets the fields of the tokenizer itself, and the text
 * of a token is sliced only when a caller asks for it. Scanning thousands of exports is then
 * bound by the character loop, not by the garbage collector (bench/usages.bench.js).
 *
 * - Strings: `"…"` with backslash escapes, may span lines; `"""…"""`; `'…'` (date-time
 *   literals) on one line. An unterminated string is reported and ends at the end of its line,
 *   so that the rest of the file is still read. A stray `"` in a file whose strings may span
 *   lines pairs up with the next one instead: see `multiline`.
 * - Comments: `// …` to the end of the line, `/* … *\/` (an unterminated one is reported and runs
 *   to the end of the file, as it would for Deluge).
 * - Words: letters, digits, `_`, and any non-ASCII character.
 * - Everything else is one punctuation character.
 */

/** Token kinds. A line end outside strings and block comments is a token (`Newline`), a `//` comment's included. */
export const Tok = { Word: 1, String: 2, Punct: 3, Newline: 4, End: 5 } as const;
export type Tok = (typeof Tok)[keyof typeof Tok];

/** A problem the tokenizer found; scanning goes on. */
export interface TokenProblem {
  line: number;
  col: number;
  message: string;
}

/** Problems kept per file; the rest are counted (1 MB of `]` made a million). */
const MAX_PROBLEMS = 1000;

export class Tokenizer {
  /** The current token's kind, position (offset, 1-based line and column) and extent. */
  kind: Tok = Tok.End;
  start = 0;
  end = 0;
  line = 1;
  col = 1;
  /** For Punct: the character code. */
  code = 0;
  /** The first MAX_PROBLEMS problems; `problemCount` counts them all. */
  readonly problems: TokenProblem[] = [];
  problemCount = 0;

  private pos = 0;
  private curLine = 1;
  private lineStart = 0;
  /** The first newline at or after `nlFrom` (-1: none): positions are found in one pass, even in a file without newlines. */
  private nl = -2;
  private nlFrom = 0;

  /**
   * `multiline`: a `"` string may span lines, as Deluge allows. Without it a string ends at the
   * end of its line (reported): scan.ts reads a broken file both ways and keeps the better.
   */
  constructor(
    private readonly text: string,
    private readonly multiline = true,
  ) {}

  /** The current token's text: a string's content (escapes kept as written), else the source. */
  tokenText(): string {
    return this.kind === Tok.String ? stringContent(this.text, this.start, this.end) : this.text.slice(this.start, this.end);
  }

  /** True when the current token is the word `lower` (ASCII, case-insensitive). */
  isWord(lower: string): boolean {
    if (this.kind !== Tok.Word || this.end - this.start !== lower.length) return false;
    const t = this.text;
    for (let i = 0; i < lower.length; i++) {
      // ASCII letters only: | 0x20 folds A-Z onto a-z and leaves digits and '_' alone.
      if ((t.charCodeAt(this.start + i) | 0x20) !== lower.charCodeAt(i)) return false;
    }
    return true;
  }

  next(): Tok {
    const t = this.text;
    const n = t.length;
    let i = this.pos;
    for (;;) {
      if (i >= n) {
        this.pos = n;
        this.set(Tok.End, n, n);
        return Tok.End;
      }
      const c = t.charCodeAt(i);
      if (c === 32 || c === 9 || c === 13 || c === 0xfeff) {
        i++;
        continue;
      }
      if (c === 10) {
        this.set(Tok.Newline, i, i + 1);
        this.pos = i + 1;
        this.curLine++;
        this.lineStart = i + 1;
        return Tok.Newline;
      }
      if (c === 47 /* / */) {
        const d = t.charCodeAt(i + 1);
        if (d === 47) {
          // A line comment: jump to its line end, which is still a Newline token.
          const nl = t.indexOf('\n', i + 2);
          i = nl === -1 ? n : nl;
          continue;
        }
        if (d === 42 /* * */) {
          const close = t.indexOf('*/', i + 2);
          if (close === -1) {
            this.problem(i, 'a /* comment is never closed (*/): the rest of the file is a comment');
            this.countLines(i, n);
            i = n;
            continue;
          }
          this.countLines(i, close);
          i = close + 2;
          continue;
        }
      }
      if (c === 34 /* " */ || c === 39 /* ' */) return this.string(i, c);
      if (isWordChar(c)) {
        let j = i + 1;
        while (j < n && isWordChar(t.charCodeAt(j))) j++;
        this.set(Tok.Word, i, j);
        this.pos = j;
        return Tok.Word;
      }
      this.set(Tok.Punct, i, i + 1);
      this.code = c;
      this.pos = i + 1;
      return Tok.Punct;
    }
  }

  /**
   * The brackets `skim` opened and did not close, innermost last: opening code, line, column. The
   * scanner pushes them (plain blocks of code) before it handles the token `skim` returned, and
   * sets `opened` back to 0.
   */
  opened = 0;
  readonly openCode: number[] = [];
  readonly openLine: number[] = [];
  readonly openCol: number[] = [];

  /**
   * The next token that can matter in code whose words, strings and punctuation are not read:
   * the word `invokeurl`, with `connection` the word `connection` too (directly in the block
   * `skim` starts in, not in a bracket it opened), a closing bracket that does not close one that
   * `skim` opened, or the end. Everything in between is passed over exactly as `next()` reads it
   * (the same lines, the same problems for a broken string or comment), only not returned; the
   * brackets opened and closed in between are plain blocks of code, which name nothing, and those
   * left open are listed in `openCode`. Most of a file is code like this: returning each of its
   * tokens to the scanner cost more than reading them (docs/performance.md, the usages row).
   */
  skim(connection: boolean): Tok {
    const t = this.text;
    const n = t.length;
    const { openCode } = this;
    let open = this.opened;
    let i = this.pos;
    while (i < n) {
      const c = t.charCodeAt(i);
      const k = c < 128 ? CLASS[c]! : c === 0xfeff ? Class.Other : Class.Word;
      if (k === Class.Other) {
        i++;
      } else if (k === Class.Word) {
        // A word runs over word characters; inside one, 0xfeff is one too (as in `next()`).
        let j = i + 1;
        while (j < n && isWordCharFast(t.charCodeAt(j))) j++;
        const length = j - i;
        if ((length === 9 && wordAt(t, i, 'invokeurl')) || (connection && open === 0 && length === 10 && wordAt(t, i, 'connection'))) {
          this.opened = open;
          this.set(Tok.Word, i, j);
          this.pos = j;
          return Tok.Word;
        }
        i = j;
      } else if (k === Class.Newline) {
        this.newlineAt(i);
        i++;
      } else if (k === Class.Open) {
        openCode[open] = c;
        this.openLine[open] = this.curLine;
        this.openCol[open] = i - this.lineStart + 1;
        open++;
        i++;
      } else if (k === Class.Close) {
        // Closing the innermost bracket opened here: 125 `}` = 123 `{` + 2, `]` = `[` + 2, `)` = `(` + 1.
        if (open > 0 && openCode[open - 1] === (c === 41 ? 40 : c - 2)) {
          open--;
          i++;
          continue;
        }
        this.opened = open;
        this.set(Tok.Punct, i, i + 1);
        this.code = c;
        this.pos = i + 1;
        return Tok.Punct;
      } else if (k === Class.Quote) {
        this.string(i, c);
        i = this.pos;
      } else {
        // A slash: a comment, read as `next()` reads it, or a plain `/`.
        const d = t.charCodeAt(i + 1);
        if (d === 47) {
          const nl = t.indexOf('\n', i + 2);
          i = nl === -1 ? n : nl;
        } else if (d === 42) {
          const close = t.indexOf('*/', i + 2);
          if (close === -1) {
            this.problem(i, 'a /* comment is never closed (*/): the rest of the file is a comment');
            this.countLines(i, n);
            i = n;
          } else {
            this.countLines(i, close);
            i = close + 2;
          }
        } else i++;
      }
    }
    this.opened = open;
    this.pos = n;
    this.set(Tok.End, n, n);
    return Tok.End;
  }

  private string(i: number, quote: number): Tok {
    const t = this.text;
    const n = t.length;
    const line = this.curLine;
    const col = i - this.lineStart + 1;
    if (quote === 34 && t.startsWith('"""', i)) {
      const close = t.indexOf('"""', i + 3);
      const end = close === -1 ? n : close + 3;
      if (close === -1) this.problem(i, 'a """ string is never closed');
      this.countLines(i, end);
      return this.finishString(i, end, line, col);
    }
    let j = i + 1;
    for (; j < n; j++) {
      const c = t.charCodeAt(j);
      if (c === quote) return this.finishString(i, j + 1, line, col);
      if (c === 92 /* \ */) {
        if (t.charCodeAt(j + 1) === 10) this.newlineAt(j + 1);
        j++;
      } else if (c === 10) {
        if (quote === 39 || !this.multiline) break;
        this.newlineAt(j);
      }
    }
    // Unterminated: report it and end it at the end of its first line, so that one stray quote
    // does not swallow the usages after it.
    this.problem(i, `a string that starts here is never closed (${quote === 34 ? '"' : "'"})`, line, col);
    const nl = t.indexOf('\n', i);
    const end = nl === -1 ? n : nl;
    this.curLine = line;
    this.lineStart = i - col + 1;
    return this.finishString(i, end, line, col);
  }

  private finishString(start: number, end: number, line: number, col: number): Tok {
    this.kind = Tok.String;
    this.start = start;
    this.end = end;
    this.line = line;
    this.col = col;
    this.pos = end;
    return Tok.String;
  }

  private set(kind: Tok, start: number, end: number): void {
    this.kind = kind;
    this.start = start;
    this.end = end;
    this.line = this.curLine;
    this.col = start - this.lineStart + 1;
  }

  private newlineAt(j: number): void {
    this.curLine++;
    this.lineStart = j + 1;
  }

  private countLines(from: number, to: number): void {
    for (let k = this.newlineFrom(from); k !== -1 && k < to; k = this.newlineFrom(k + 1)) this.newlineAt(k);
  }

  /** The first newline at or after `from`, remembered: a search that found none is not repeated (2 MiB of empty block comments was quadratic). */
  private newlineFrom(from: number): number {
    if (this.nl !== -2 && from >= this.nlFrom && (this.nl === -1 || this.nl >= from)) return this.nl;
    this.nlFrom = from;
    this.nl = this.text.indexOf('\n', from);
    return this.nl;
  }

  private problem(at: number, message: string, line = this.curLine, col = at - this.lineStart + 1): void {
    this.problemCount++;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ line, col, message });
  }
}

/** The content of the string token at `start`..`end` of `text`, without its quotes. */
export function stringContent(text: string, start: number, end: number): string {
  if (end - start >= 6 && text.startsWith('"""', start) && text.startsWith('"""', end - 3)) return text.slice(start + 3, end - 3);
  const closed = end - start >= 2 && text.charCodeAt(end - 1) === text.charCodeAt(start);
  return text.slice(start + 1, closed ? end - 1 : end);
}

/** What an ASCII character is to `skim`. */
const Class = { Other: 0, Word: 1, Newline: 2, Slash: 3, Quote: 4, Open: 5, Close: 6 } as const;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) CLASS[c] = isWordChar(c) ? Class.Word : Class.Other;
CLASS[10] = Class.Newline;
CLASS[47] = Class.Slash;
CLASS[34] = CLASS[39] = Class.Quote;
for (const c of '{([') CLASS[c.charCodeAt(0)] = Class.Open;
for (const c of '})]') CLASS[c.charCodeAt(0)] = Class.Close;

/** `isWordChar` by the table. */
function isWordCharFast(c: number): boolean {
  return c > 127 || CLASS[c] === Class.Word;
}

/** True when `text` holds the word `lower` at `at` (ASCII letters, case-insensitive; its length is known to match). */
function wordAt(text: string, at: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) if ((text.charCodeAt(at + i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/** Letters, digits, `_`, and every non-ASCII character (names in other scripts). */
function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c > 127;
}
