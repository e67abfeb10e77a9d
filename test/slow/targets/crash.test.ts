/**
 * A process killed with SIGKILL while it writes leaves the file consistent: every action is all or
 * nothing, the serial counts exactly the committed changes, the journal agrees, SQLite's integrity
 * check passes. We wait on the child's output, never on time.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkState } from '../../../src/rules/index.js';
import { LocalTarget } from '../../../src/targets/local/local-target.js';
import { stateToSnapshot } from '../../../src/targets/snapshot.js';
import { killHard, startChild, type Child } from '../../support/child.js';
import { ensureBuilt, ROOT } from '../../support/dist.js';
import { state } from '../../support/builders.js';
import { openSqlite, sqlValue } from '../../support/sqlite.js';
import { tempDir } from '../../support/target.js';

const WRITER = join(ROOT, 'test/fixtures/targets/writer.mjs');
let tmp: ReturnType<typeof tempDir>;
let child: Child | null = null;

beforeAll(() => ensureBuilt());
beforeEach(() => {
  tmp = tempDir();
});
afterEach(async () => {
  if (child && child.process.exitCode === null && child.process.signalCode === null) await killHard(child);
  child = null;
  tmp.cleanup();
});

function integrity(path: string): string {
  const db = openSqlite(path);
  const result = sqlValue(db, 'PRAGMA integrity_check') as string;
  db.close();
  return result;
}

describe('kill -9 while writing', () => {
  it('actions: serial = committed journal entries, each done serial unique 1..N, state valid, integrity ok', async () => {
    const path = join(tmp.dir, 'local.db');
    // Some weight, so that each transaction has real work around it.
    const seed = LocalTarget.open(path);
    const s = state();
    for (let i = 0; i < 200; i++) s.connector(`base${i}`).connection(`base${i}_a`, `base${i}`);
    await seed.importSnapshot(stateToSnapshot(s.build()));
    await seed.close();

    child = startChild(WRITER, [path, 'actions']);
    const last = await child.waitFor((l) => /^serial \d+ actions (\d+)$/.test(l) && Number(l.split(' ')[3]) >= 150);
    await killHard(child);
    const reported = Math.max(...child.lines.filter((l) => l.startsWith('serial ')).map((l) => Number(l.split(' ')[1])));
    expect(Number(last.split(' ')[1])).toBeLessThanOrEqual(reported);

    expect(integrity(path)).toBe('ok');
    const target = LocalTarget.open(path);
    try {
      const { state: after, serial } = await target.read();
      expect(checkState(after)).toEqual([]);
      const journal = await target.journal('crash');
      const done = journal.filter((e) => e.status === 'done');
      // The import made serial 1; every later change is one journaled action.
      expect(serial).toBe(1 + done.length);
      expect(done.map((e) => e.serial)).toEqual(done.map((_, i) => i + 2));
      // Reported on stdout means committed; a commit may have happened after the last report.
      expect(serial).toBeGreaterThanOrEqual(reported);
      expect(serial).toBeLessThanOrEqual(reported + 1);
      expect(journal.filter((e) => e.status === 'failed')).toEqual([]);
      expect(journal.filter((e) => e.status === 'pending').length).toBeLessThanOrEqual(1);
      // The file is still fully usable.
      await target.execute({ op: 'connector.enable', kind: 'Connector', linkName: 'base0' }, {});
      expect(await target.serial()).toBe(serial + 1);
    } finally {
      await target.close();
    }
  });

  it('imports: the contents are exactly one of the two snapshots, never a mix; serial counts the imports', async () => {
    const path = join(tmp.dir, 'local.db');
    const build = (prefix: string, n: number) => {
      const s = state();
      for (let i = 0; i < n; i++) s.connector(`${prefix}${i}`).connection(`${prefix}${i}_a`, `${prefix}${i}`).connection(`${prefix}${i}_b`, `${prefix}${i}`);
      return stateToSnapshot(s.build());
    };
    const a = build('alpha', 1500);
    const b = build('beta', 1000);
    const file = join(tmp.dir, 'snapshots.json');
    writeFileSync(file, JSON.stringify({ a, b }));
    child = startChild(WRITER, [path, 'imports', file]);
    await child.waitFor((l) => /^imported [AB] serial (\d+)$/.test(l) && Number(l.split(' ')[3]) >= 6);
    await killHard(child);
    const reported = child.lines.filter((l) => l.startsWith('imported ')).length;

    expect(integrity(path)).toBe('ok');
    const target = LocalTarget.open(path);
    try {
      const serial = await target.serial();
      expect(serial).toBeGreaterThanOrEqual(reported);
      expect(serial).toBeLessThanOrEqual(reported + 1);
      const exported = await target.exportSnapshot();
      // Imports alternate A, B, A, …: after `serial` imports the last one was A when serial is odd.
      expect(exported).toEqual(serial % 2 === 1 ? a : b);
      expect(checkState((await target.read()).state)).toEqual([]);
    } finally {
      await target.close();
    }
  });
});
