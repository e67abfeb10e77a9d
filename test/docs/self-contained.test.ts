/**
 * The repository stands on its own: every rule id the code cites is explained on docs/rules.md
 * (one anchor each), and nothing in the repository (docs, README, code comments, manifests'
 * `$schema` modelines) points at a file outside it or at a file or anchor that does not exist.
 * A clone, or the installed package, must be enough to look up what a message means.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/dist.js';

const SKIP = new Set(['node_modules', 'dist', '.git', '.work', '.connectorops']);
const TEXT = /\.(md|ts|js|json|ya?ml)$/;

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (TEXT.test(entry.name) && entry.name !== 'package-lock.json') out.push(path);
  }
  return out;
}

const files = walk(ROOT);
const rel = (path: string) => relative(ROOT, path).split(sep).join('/');
const rulesPage = readFileSync(join(ROOT, 'docs/rules.md'), 'utf8');
const anchors = new Set([...rulesPage.matchAll(/<a id="([a-z0-9-]+)"><\/a>/g)].map((m) => m[1]));
// Headings get GitHub's anchors too (lower case, punctuation dropped, spaces to dashes).
const headingAnchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
const anchorsOf = (text: string) =>
  new Set([...[...text.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]!), ...[...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => headingAnchor(m[1]!))]);

/** Rule ids as the code cites them: R1…R20 (with R2a/R2b), N1…, A1…, S1…, P1…. */
const RULE_ID = /\b(R\d{1,2}[a-z]?|[NASP]\d)\b/g;

describe('docs/rules.md', () => {
  it('explains every rule id that src/ cites, each under its own anchor', () => {
    const cited = new Map<string, string>();
    for (const file of files.filter((f) => rel(f).startsWith('src/'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(RULE_ID)) if (!cited.has(m[1]!)) cited.set(m[1]!, rel(file));
    }
    expect(cited.size).toBeGreaterThan(20);
    const missing = [...cited].filter(([id]) => !anchors.has(id.toLowerCase())).map(([id, file]) => `${id} (cited in ${file})`);
    expect(missing).toEqual([]);
  });

  it('has an anchor for every rule family the product knows, P1 included', () => {
    for (const id of ['n1', 'n2', 'n3', 's1', 's2', 'p1', 'r2a', 'r2b', ...Array.from({ length: 17 }, (_, i) => `r${i + 1}`)]) {
      expect(anchors, id).toContain(id);
    }
  });

  it('ships in the npm package', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('docs');
  });
});

describe('the repository stands on its own', () => {
  it('never points at ../shared or at the project notes kept outside it', () => {
    const outside = /\.\.\/shared|shared\/docs|shared\/seeds|\b(creator-rules|contracts|architecture)\.md\b/;
    const offending = files
      .filter((f) => !rel(f).startsWith('test/docs/'))
      .filter((f) => outside.test(readFileSync(f, 'utf8')))
      .map(rel);
    expect(offending).toEqual([]);
  });

  it('has every Markdown link resolve to a file (and anchor) inside the repository', () => {
    const broken: string[] = [];
    for (const file of files.filter((f) => f.endsWith('.md'))) {
      const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const link = m[1]!;
        if (/^[a-z]+:/i.test(link)) continue; // https:, mailto:
        const [path, anchor] = link.split('#') as [string, string | undefined];
        const target = path ? resolve(dirname(file), path) : file;
        if (!target.startsWith(ROOT) || !existsSync(target)) {
          broken.push(`${rel(file)}: ${link}`);
          continue;
        }
        if (anchor && target.endsWith('.md') && !anchorsOf(readFileSync(target, 'utf8')).has(anchor)) broken.push(`${rel(file)}: ${link} (no such anchor)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('names only docs pages that exist, wherever it names one (comments included)', () => {
    const missing: string[] = [];
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bdocs\/([a-z-]+\.md)/g)) {
        if (!existsSync(join(ROOT, 'docs', m[1]!))) missing.push(`${rel(file)}: docs/${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("has every manifest's $schema modeline resolve to a schema in the repository", () => {
    const broken: string[] = [];
    for (const file of files.filter((f) => /\.ya?ml$/.test(f))) {
      const m = /# yaml-language-server: \$schema=(\S+)/.exec(readFileSync(file, 'utf8'));
      if (!m || /^[a-z]+:/.test(m[1]!)) continue;
      const target = resolve(dirname(file), m[1]!);
      if (!target.startsWith(ROOT) || !existsSync(target)) broken.push(`${rel(file)}: ${m[1]}`);
    }
    expect(broken).toEqual([]);
  });
});
