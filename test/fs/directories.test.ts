import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeDirectories, writeProblem } from '../../src/fs/directories.js';
import { tempDir } from '../support/target.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('connectorops-dirs-');
});
afterEach(() => tmp.cleanup());

describe('makeDirectories (mkdir -p that cannot hang)', () => {
  it('makes every missing folder and names them, outermost first; an existing one makes nothing', () => {
    expect(makeDirectories(join(tmp.dir, 'a/b/c'))).toEqual([join(tmp.dir, 'a'), join(tmp.dir, 'a/b'), join(tmp.dir, 'a/b/c')]);
    expect(statSync(join(tmp.dir, 'a/b/c')).isDirectory()).toBe(true);
    expect(makeDirectories(join(tmp.dir, 'a/b'))).toEqual([]);
    expect(makeDirectories(join(tmp.dir, 'a/b/d'))).toEqual([join(tmp.dir, 'a/b/d')]);
  });

  it('any path of segments ends as a folder, and a second call makes nothing', () => {
    const segment = fc.stringMatching(/^[a-z0-9_-]{1,8}$/);
    let n = 0;
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), (parts) => {
        const path = join(tmp.dir, `run${n++}`, ...parts);
        const made = makeDirectories(path);
        expect(made.at(-1)).toBe(path);
        expect(statSync(path).isDirectory()).toBe(true);
        expect(makeDirectories(path)).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });

  it('a file where a folder should be is ENOTDIR, and nothing is made', () => {
    writeFileSync(join(tmp.dir, 'file'), '');
    expect(() => makeDirectories(join(tmp.dir, 'file/x/y'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }) as Error);
    expect(existsSync(join(tmp.dir, 'file/x'))).toBe(false);
  });

  it('under /proc, where Node’s recursive mkdir loops forever, it fails with ENOENT', () => {
    expect(() => makeDirectories('/proc/connectorops-test/a')).toThrow(expect.objectContaining({ code: 'ENOENT' }) as Error);
  });

  it('writeProblem puts the common causes in words', () => {
    expect(writeProblem(Object.assign(new Error('x'), { code: 'ENOTDIR' }))).toBe('a part of the path is a file, not a folder');
    expect(writeProblem(Object.assign(new Error('x'), { code: 'EACCES' }))).toBe('permission denied');
    expect(writeProblem(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe('a folder cannot be created there');
    expect(writeProblem(new Error('something else'))).toBe('something else');
  });
});
