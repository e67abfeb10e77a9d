/** Reading a commit with one ls-tree and one cat-file --batch: the parser, and real repositories. */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BatchParser, catFileBatch, lsTree } from '../../../src/git/batch.js';
import { cleanRepos, commitAll, tempRepo } from '../../support/repo.js';

afterAll(cleanRepos);

/** `git cat-file --batch` output for `objects`, as git writes it. */
function batchOutput(objects: { oid: string; data: Buffer | null }[]): Buffer {
  return Buffer.concat(
    objects.flatMap(({ oid, data }) => (data === null ? [Buffer.from(`${oid} missing\n`)] : [Buffer.from(`${oid} blob ${data.length}\n`), data, Buffer.from('\n')])),
  );
}

const oid = fc.stringMatching(/^[0-9a-f]{40}$/);
const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));

describe('BatchParser', () => {
  it('gives the same objects however the output is cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ oid, data: fc.option(bytes, { nil: null, freq: 8 }) }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (objects, cuts) => {
          const out = batchOutput(objects);
          const points = [...new Set(cuts.map((c) => c % (out.length + 1)))].sort((a, b) => a - b);
          const parser = new BatchParser();
          let last = 0;
          for (const p of [...points, out.length]) {
            parser.push(out.subarray(last, p));
            last = p;
          }
          parser.end();
          expect(parser.objects.map((o) => ({ oid: o.oid, data: o.type === 'missing' ? null : Buffer.from(o.data) }))).toEqual(objects);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts lengths in bytes: newlines, NULs, CRLF and multi-byte characters inside data', () => {
    const data = Buffer.concat([Buffer.from('name: Ünïcode 日本\r\n\n'), Buffer.from([0, 10, 0, 255]), Buffer.from('\n\n')]);
    const parser = new BatchParser();
    for (const byte of batchOutput([
      { oid: 'a'.repeat(40), data },
      { oid: 'b'.repeat(40), data: Buffer.alloc(0) },
    ]))
      parser.push(Buffer.from([byte]));
    parser.end();
    expect(parser.objects.map((o) => [o.oid[0], Buffer.from(o.data)])).toEqual([
      ['a', data],
      ['b', Buffer.alloc(0)],
    ]);
  });

  it('notices output that stops in the middle of an object', () => {
    const parser = new BatchParser();
    parser.push(Buffer.from(`${'a'.repeat(40)} blob 10\nabc`));
    expect(() => parser.end()).toThrow(/middle of an object/);
  });

  it('refuses a header it does not understand', () => {
    expect(() => new BatchParser().push(Buffer.from('garbage here\n'))).toThrow(/unexpected git cat-file/);
  });
});

describe('lsTree and catFileBatch on a real repository', () => {
  it('list every file of nested folders with unicode names, and read them byte for byte', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 150; i++) {
      files[`connections/team ${i % 5}/sub-${i % 3}/ünï ${i}.yaml`] = Buffer.from(`kind: Connection\nlinkName: c${i}\nname: Verbindung ${i} für 日本\n`);
    }
    files['connectors/binary.yaml'] = Buffer.from([0, 1, 2, 10, 13, 10, 255, 254, 0]);
    files['connectors/empty.yaml'] = Buffer.alloc(0);
    files['connectors/same-as-empty.yaml'] = Buffer.alloc(0);
    files['elsewhere/ignored.yaml'] = Buffer.from('x');
    const dir = tempRepo(files);
    const commit = commitAll(dir);

    const entries = await lsTree(dir, commit, ['connectors', 'connections']);
    expect(entries.map((e) => e.path).sort()).toEqual(
      Object.keys(files)
        .filter((p) => !p.startsWith('elsewhere'))
        .sort(),
    );
    const blobs = await catFileBatch(
      dir,
      entries.map((e) => e.oid),
    );
    for (const e of entries) expect(blobs.get(e.oid), e.path).toEqual(files[e.path]);
  });

  it('paths come back relative to a subdirectory git runs in', async () => {
    const dir = tempRepo({ 'infra/connectors/a.yaml': 'a', 'connectors/b.yaml': 'b' });
    const commit = commitAll(dir);
    const entries = await lsTree(`${dir}/infra`, commit, ['connectors']);
    expect(entries.map((e) => e.path)).toEqual(['connectors/a.yaml']);
  });

  it('an object that does not exist is an error', async () => {
    const dir = tempRepo({ a: 'a' });
    commitAll(dir);
    await expect(catFileBatch(dir, ['0'.repeat(40)])).rejects.toThrow(/missing/);
  });

  it('reads thousands of blobs, of every size, through one process', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 2500; i++) files[`connectors/d${i % 50}/f${i}.yaml`] = `n: ${i}\n${'é'.repeat(i % 301)}`;
    const dir = tempRepo(files);
    const commit = commitAll(dir);
    const entries = await lsTree(dir, commit, ['connectors']);
    expect(entries).toHaveLength(2500);
    const blobs = await catFileBatch(
      dir,
      entries.map((e) => e.oid),
    );
    for (const e of entries) expect(blobs.get(e.oid)!.toString('utf8')).toBe(files[e.path]);
  });
});
