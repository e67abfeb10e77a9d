/**
 * The Deluge scanner on fixtures we wrote ourselves: a Creator export with forms, actions,
 * workflows, schedules and functions; loose scripts; `connection:` in comments and strings; a
 * file with syntax errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { usageMatcher, usageRoots } from '../../src/usages/globs.js';
import { scanDeluge, scanUsages } from '../../src/usages/scan-files.js';
import { MAX_WARNINGS_PER_FILE } from '../../src/usages/scan.js';

const fixture = (path: string) => readFileSync(new URL(`fixtures/${path}`, import.meta.url), 'utf8');
const brief = (r: ReturnType<typeof scanDeluge>) => r.usages.map((u) => `${u.connection} ${u.app} › ${u.component} @${u.line}:${u.col}`);

describe('scanDeluge: a Creator export (.ds)', () => {
  const text = fixture('order-desk.ds');
  const result = scanDeluge('apps/order-desk.ds', text);

  it('finds every invokeurl connection, named by application and component, and nothing in comments or strings', () => {
    expect(brief(result)).toEqual([
      'legacy_erp Order Desk › form:Returns (on add, on validate) @52:7',
      'crm_sales Order Desk › workflow:on_add_order (form Orders, on add, on validate) @102:10',
      'crm_sales Order Desk › schedule:nightly_sync @146:10',
      'billing Order Desk › function:orders.send_invoice @168:6',
      'crm_sales Order Desk › function:orders.lookup @178:6',
    ]);
    expect(result.warnings).toEqual([]);
    expect(result.usages.every((u) => u.kind === 'deluge-invokeurl' && u.file === 'apps/order-desk.ds')).toBe(true);
  });

  it('points each usage at its connection key', () => {
    const lines = text.split('\n');
    for (const u of result.usages) expect(lines[u.line - 1]!.slice(u.col - 1)).toMatch(/^connection\s*:/);
  });
});

describe('scanDeluge: loose scripts', () => {
  it('a script that defines a function is named by its path and the function', () => {
    const r = scanDeluge('scripts/sync_contacts.dg', fixture('scripts/sync_contacts.dg'));
    expect(brief(r)).toEqual(['crm_sales scripts/sync_contacts.dg › function:crm.sync_contacts @15:4']);
    expect(r.warnings).toEqual([]);
  });

  it('a bare script is named by its path; block comments and single-quoted strings hold no usage', () => {
    const r = scanDeluge('scripts/retry_invoices.deluge', fixture('scripts/retry_invoices.deluge'));
    expect(brief(r)).toEqual(['billing scripts/retry_invoices.deluge › script @15:3']);
    expect(r.warnings).toEqual([]);
  });
});

describe('scanDeluge: tolerance', () => {
  it('a file with syntax errors gives warnings with positions and still returns every usage it could read', () => {
    const r = scanDeluge('scripts/broken.dg', fixture('scripts/broken.dg'));
    expect(brief(r)).toEqual(['crm_sales scripts/broken.dg › script @4:2', 'billing scripts/broken.dg › script @14:2']);
    expect(r.warnings.map((w) => `${w.file}:${w.line}:${w.col} ${w.code}: ${w.message}`)).toEqual([
      "scripts/broken.dg:6:3 deluge: '(' opened here is never closed",
      'scripts/broken.dg:10:8 deluge: a string that starts here is never closed (")',
    ]);
  });

  it('an export saved with a byte-order mark and CRLF line ends reads the same', () => {
    const text = '\ufeff' + fixture('order-desk.ds').replace(/\n/g, '\r\n');
    const r = scanDeluge('apps/order-desk.ds', text);
    expect(r.warnings).toEqual([]);
    expect(brief(r)).toEqual(brief(scanDeluge('apps/order-desk.ds', fixture('order-desk.ds'))));
  });

  it('a connection named by an expression is a warning, not a usage', () => {
    const text = 'name = "crm_" + env;\nr = invokeurl\n[\n\turl: "https://x.example"\n\tconnection: name\n];\ns = invokeurl\n[\n\tconnection: "crm_" + env\n];\n';
    const r = scanDeluge('x.dg', text);
    expect(r.usages).toEqual([]);
    expect(r.warnings.map((w) => `${w.line}:${w.col} ${w.code}`)).toEqual(['5:2 usage-dynamic', '9:2 usage-dynamic']);
  });

  it('a closer with no opener, an unclosed comment and an invokeurl without [ are reported; nothing throws', () => {
    const r = scanDeluge('x.dg', '}\nx = invokeurl;\ny = invokeurl [ connection: "a" ];\n/* never closed\ninvokeurl [ connection: "b" ];');
    expect(brief(r)).toEqual(['a x.dg › script @3:17']);
    expect(r.warnings.map((w) => `${w.line}:${w.col}`)).toEqual(['1:1', '2:5', '4:1']);
  });

  it('a .ds file without an application header is named by its path, with a warning', () => {
    const r = scanDeluge('a.ds', 'functions\n{\n\tvoid f()\n\t{\n\t\tinvokeurl [ connection: "c" ];\n\t}\n}\n');
    expect(brief(r)).toEqual(['c a.ds › (application level) @5:15']);
    expect(r.warnings.map((w) => w.message)).toEqual(['this .ds file has no application "Name" header: its usages are named by the file\'s path']);
  });
});

describe('scanUsages and usageMatcher', () => {
  it('matches the default globs anywhere, but never under node_modules/ or .git/', () => {
    const match = usageMatcher(['**/*.ds', '**/*.dg', '**/*.deluge']);
    expect(['a.ds', 'apps/x/y.dg', 'z.deluge', 'node_modules/p/a.ds', '.git/a.ds', 'a.dsx', 'connectors/crm.yaml'].filter(match)).toEqual([
      'a.ds',
      'apps/x/y.dg',
      'z.deluge',
    ]);
    expect(usageMatcher([])('a.ds')).toBe(false);
  });

  it('usageRoots: the directories a working-tree listing walks, none inside another', () => {
    expect(usageRoots(['**/*.ds', 'apps/**/*.ds'])).toEqual(['']);
    expect(usageRoots(['apps/**/*.ds', 'apps/legacy/*.dg', 'scripts/x.dg', '.hidden/**'])).toEqual(['.hidden', 'apps', 'scripts']);
    expect(usageRoots(['top.ds'])).toEqual(['']);
    expect(usageRoots([])).toEqual([]);
  });

  it('sorts usages by connection, then file and position, across files', () => {
    const r = scanUsages([
      { path: 'b.dg', text: 'invokeurl [ connection: "z" ];\ninvokeurl [ connection: "a" ];' },
      { path: 'a.dg', text: 'invokeurl [ connection: "a" ];' },
    ]);
    expect(r.usages.map((u) => `${u.connection} ${u.file}:${u.line}`)).toEqual(['a a.dg:1', 'a b.dg:2', 'z b.dg:1']);
    expect(r.files).toBe(2);
  });
});

describe('the scanner never stalls and never floods (issue 18, item 7)', () => {
  it('1 MB of stray closing brackets: 20 warnings, then one that counts the rest', () => {
    const { warnings } = scanDeluge('apps/x.dg', ']'.repeat(1_000_000));
    expect(warnings).toHaveLength(MAX_WARNINGS_PER_FILE + 1);
    expect(warnings[0]).toMatchObject({ line: 1, col: 1, code: 'deluge' });
    expect(warnings[MAX_WARNINGS_PER_FILE]!.message).toBe(`and ${(1_000_000 - MAX_WARNINGS_PER_FILE).toLocaleString('en-US')} more warnings in this file, not shown`);
  });

  it('2 MiB of empty block comments on one line, then a call: read in one pass, its position right', () => {
    const filler = '/**/'.repeat(512 * 1024);
    const text = `${filler}invokeurl [ url: "u" type: GET connection: "crm_sales" ];`;
    const { usages, warnings } = scanDeluge('apps/x.dg', text);
    expect(warnings).toEqual([]);
    expect(usages.map((u) => [u.connection, u.line, u.col])).toEqual([['crm_sales', 1, text.indexOf('connection:') + 1]]);
  });
});
