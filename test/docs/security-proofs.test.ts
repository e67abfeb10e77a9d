/**
 * docs/security.md names, for each promise, the test that keeps it. That list stays true: every
 * test file a row names exists, and every test name it quotes is in one of the files that row
 * names ("same file": the previous row's). A renamed or deleted test fails here, not silently.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../support/dist.js';

const page = readFileSync(join(ROOT, 'docs/security.md'), 'utf8');

/** The last cell of each table row but headers and separators: the "proved by" cell. */
function provedByCells(): string[] {
  const cells: string[] = [];
  for (const line of page.split('\n')) {
    if (!line.startsWith('|') || /^\|[\s|:-]+\|$/.test(line)) continue;
    const parts = line.split(/(?<!\\)\|/).slice(1, -1);
    const last = parts.at(-1)!.trim();
    if (last === 'proved by') continue;
    cells.push(last);
  }
  return cells;
}

it('every test file a promise cites exists, and holds every test name the promise quotes', () => {
  const cells = provedByCells();
  expect(cells.length).toBeGreaterThan(30);
  const problems: string[] = [];
  let previous: string[] = [];
  for (const cell of cells) {
    const named = [...cell.matchAll(/`(test\/[^`]+\.ts)`/g)].map((m) => m[1]!);
    const files = named.length ? named : /^same( file)?\b/.test(cell) ? previous : [];
    if (!files.length) problems.push(`no test file named: ${cell}`);
    for (const file of files) if (!existsSync(join(ROOT, file))) problems.push(`${file} does not exist`);
    const texts = files.filter((f) => existsSync(join(ROOT, f))).map((f) => readFileSync(join(ROOT, f), 'utf8'));
    for (const quoted of [...cell.matchAll(/"([^"]+)"/g)].map((m) => m[1]!)) {
      if (!texts.some((t) => t.includes(quoted))) problems.push(`"${quoted}" is in none of ${files.join(', ')}`);
    }
    previous = files;
  }
  expect(problems).toEqual([]);
});
