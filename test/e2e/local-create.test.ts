/**
 * A local target is created atomically (issue 18, item 8): built under a temporary name and linked
 * into place, so that a reader in another process sees no target or a whole one, never one still
 * being written ("damaged", "an empty file", "not a connectorops target").
 *
 * Real processes: the real CLI creates the target (`target import`, then `apply`), while a reader
 * process opens the same path in a tight loop, as `target export` does (the same code, from dist/),
 * from before the creator starts until after it has exited.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt, ROOT } from '../support/dist.js';
import { killHard, startChild, type Child } from '../support/child.js';
import { cleanRepos, tempRepo } from '../support/repo.js';

const readers: Child[] = [];
// A reader left running by a failed round would spin on, and load every test after it.
afterAll(async () => {
  for (const r of readers) if (r.process.exitCode === null && r.process.signalCode === null) await killHard(r);
  cleanRepos();
});

const READER = `
import { existsSync } from 'node:fs';
const { LocalTarget } = await import(process.argv[3]);
const [path] = process.argv.slice(2);
const seen = { missing: 0, whole: 0, other: [] };
console.log('ready');
for (let finished = false; ; ) {
  finished = existsSync(path + '.finished');
  try {
    const t = LocalTarget.open(path, { create: false });
    try {
      // A whole target: the new, empty account, or the account with the snapshot imported.
      const snapshot = await t.exportSnapshot();
      if (snapshot.connectors.length <= 1) seen.whole++;
      else seen.other.push('a target with connectors nobody imported');
    } finally {
      await t.close();
    }
  } catch (error) {
    if (error.name === 'TargetMissingError') seen.missing++;
    else seen.other.push(error.message);
  }
  if (finished || seen.whole >= 50) break;
}
console.log(JSON.stringify(seen));
`;

const SNAPSHOT = JSON.stringify({
  formatVersion: 1,
  connectors: [
    {
      linkName: 'crm',
      name: 'CRM',
      description: '',
      stage: 'draft',
      enabled: true,
      authentication: { type: 'apiKey', parameterKey: 'X-Key', addTo: 'header' },
      secretFingerprints: {},
    },
  ],
  connections: [],
});

describe('creating a local target while another process reads it', () => {
  // Before the fix the reader's open raced the creator's schema transaction (an empty file, "not a
  // connectorops target", a WAL switch under a half-made file that stalled both for the busy timeout).
  it('the reader sees no target or a whole one, never a damaged one; no temporary file is left', { timeout: 240_000 }, async () => {
    ensureBuilt();
    const dir = tempRepo({ 'reader.mjs': READER, 'snapshot.json': SNAPSHOT });
    const dist = pathToFileURL(join(ROOT, 'dist/targets/index.js')).href;
    for (let round = 0; round < 3; round++) {
      const path = join(dir, `targets/t${round}.db`);
      const reader = startChild(join(dir, 'reader.mjs'), [path, dist], { cwd: dir });
      readers.push(reader);
      await reader.waitFor((l) => l === 'ready');
      const created = spawnSync(process.execPath, [BIN, 'target', 'import', 'snapshot.json', '--target', `local:${path}`], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(created.stderr).toBe('');
      expect(created.status).toBe(0);
      writeFileSync(`${path}.finished`, '');
      const { code } = await reader.exited;
      expect(code, reader.stderr()).toBe(0);
      const seen = JSON.parse(reader.lines.at(-1)!) as { missing: number; whole: number; other: string[] };
      expect(seen.other).toEqual([]);
      expect(seen.missing).toBeGreaterThan(0); // it was reading before the target existed
      expect(seen.whole).toBeGreaterThan(0);
    }
    expect(readdirSync(join(dir, 'targets')).filter((f) => !/^t\d\.db(-wal|-shm|\.finished)?$/.test(f))).toEqual([]);
  });
});
