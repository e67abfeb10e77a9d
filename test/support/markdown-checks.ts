/**
 * Checks on rendered Markdown that the example tests and the property tests share: what a
 * reviewer would notice if escaping failed (HTML, mentions, broken tables).
 */
import { MARKDOWN_OWN_TAGS } from '../../src/render/markdown.js';
import { ZWSP } from '../../src/render/escape.js';

/** Every `<` that does not open or close one of the renderer's own tags (empty when all is well). */
export function ownTagsOnly(markdown: string): string[] {
  const own = new RegExp(`^</?(${MARKDOWN_OWN_TAGS.join('|')})>`);
  const bad: string[] = [];
  for (let i = markdown.indexOf('<'); i >= 0; i = markdown.indexOf('<', i + 1)) {
    const rest = markdown.slice(i, i + 20);
    if (!own.test(rest)) bad.push(rest);
  }
  return bad;
}

/** Every `@` not followed by a zero-width space: a mention GitHub would notify. */
export function unmentionedAts(markdown: string): string[] {
  const bad: string[] = [];
  for (let i = markdown.indexOf('@'); i >= 0; i = markdown.indexOf('@', i + 1)) {
    if (markdown[i + 1] !== ZWSP) bad.push(markdown.slice(i, i + 20));
  }
  return bad;
}

/** The unescaped `|` of a table row: a backslash escapes the next character, whatever it is. */
export function cellSeparators(row: string): number {
  let n = 0;
  for (let i = 0; i < row.length; i++) {
    if (row[i] === '\\') i++;
    else if (row[i] === '|') n++;
  }
  return n;
}

/**
 * Rows whose number of cells differs from their table's delimiter row (GFM: that row fixes the
 * column count). Tables inside `> ` blocks count too.
 */
export function tableColumnProblems(markdown: string): string[] {
  const problems: string[] = [];
  const lines = markdown.split('\n').map((l) => l.replace(/^> ?/, ''));
  for (let i = 1; i < lines.length; i++) {
    if (!/^\|( --- \|)+$/.test(lines[i]!)) continue;
    const columns = cellSeparators(lines[i]!);
    if (cellSeparators(lines[i - 1]!) !== columns) problems.push(`header: ${lines[i - 1]}`);
    for (let j = i + 1; j < lines.length && lines[j]!.startsWith('|'); j++) {
      if (cellSeparators(lines[j]!) !== columns) problems.push(lines[j]!);
    }
  }
  return problems;
}
