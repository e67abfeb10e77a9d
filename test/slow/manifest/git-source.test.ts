/** gitSource and loadManifests({ ref }): the manifests as a commit holds them. */
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { gitSource } from '../../../src/manifest/git-source.js';
import { loadManifests } from '../../../src/manifest/load.js';
import { BASIC, CONNECTION, OAUTH2 } from '../../manifest/docs.js';
import { cleanRepos, commitAll, fingerprint, git, tempRepo, writeFiles } from '../../support/repo.js';

afterAll(cleanRepos);

describe('gitSource', () => {
  it('reads the ref, whatever the working tree holds', async () => {
    const dir = tempRepo({ 'connectors/crm.yaml': OAUTH2, 'connections/c.yaml': CONNECTION });
    const first = commitAll(dir);
    writeFiles(dir, { 'connectors/crm.yaml': OAUTH2.replace('name: Acme CRM', 'name: Changed'), 'connectors/new.yaml': BASIC });
    const second = commitAll(dir);
    writeFiles(dir, { 'connectors/crm.yaml': 'kind: [broken' });

    const atFirst = await loadManifests({ dir, ref: first });
    expect(atFirst.commit).toBe(first);
    expect(atFirst.ref).toBe(first);
    expect([...atFirst.desired.connectors.values()].map((c) => c.name)).toEqual(['Acme CRM']);

    const atMain = await loadManifests({ dir, ref: 'main' });
    expect(atMain.commit).toBe(second);
    expect(atMain.label).toBe(`ref main at ${second.slice(0, 7)}`);
    expect(atMain.errors).toEqual([]);
    expect([...atMain.desired.connectors.keys()].sort()).toEqual(['crm', 'desk']);
    expect(atMain.files).toBe(3);

    const tree = await loadManifests({ dir });
    expect(tree.errors.map((e) => `${e.file} ${e.code}`)).toContain('connectors/crm.yaml yaml');
    expect(tree.commit).toBe(second);
  });

  it('accepts branches, tags, HEAD~n and abbreviated ids', async () => {
    const dir = tempRepo({ 'connectors/crm.yaml': OAUTH2 });
    const first = commitAll(dir);
    git(dir, 'tag', 'v1');
    writeFiles(dir, { 'connectors/desk.yaml': BASIC });
    commitAll(dir);
    for (const ref of ['v1', 'HEAD~1', first.slice(0, 8), 'main~1']) {
      expect((await loadManifests({ dir, ref })).commit, ref).toBe(first);
    }
  });

  it('reads a subdirectory of the repository as the manifest dir', async () => {
    const dir = tempRepo({ 'infra/connectors/crm.yaml': OAUTH2, 'infra/connectorops.yaml': 'defaultTarget: local:x.db\n', 'connectors/other.yaml': 'kind: [' });
    commitAll(dir);
    const loaded = await loadManifests({ dir: join(dir, 'infra'), ref: 'HEAD' });
    expect(loaded.errors).toEqual([]);
    expect([...loaded.desired.connectors.keys()]).toEqual(['crm']);
    expect(loaded.desired.connectors.get('crm')!.source.file).toBe('connectors/crm.yaml');
    expect(loaded.config.defaultTarget).toBe('local:x.db');
  });

  it('skips symlinks in the tree, as they are not manifests', async () => {
    const dir = tempRepo({ 'elsewhere/crm.yaml': OAUTH2 });
    writeFiles(dir, { 'connectors/.keep': '' });
    symlinkSync('../elsewhere/crm.yaml', join(dir, 'connectors/link.yaml'));
    commitAll(dir);
    const source = await gitSource(dir, 'HEAD');
    expect(await source.list()).toEqual([]);
  });

  it('positions of errors at a ref are as in the file', async () => {
    const text = `${OAUTH2}---\n${BASIC.replace('name: Helpdesk', 'name: "Help?"')}`;
    const dir = tempRepo({ 'connectors/all.yaml': text });
    commitAll(dir);
    writeFiles(dir, { 'connectors/all.yaml': OAUTH2 });
    const loaded = await loadManifests({ dir, ref: 'HEAD' });
    expect(loaded.errors).toMatchObject([{ file: 'connectors/all.yaml', line: text.split('\n').indexOf('name: "Help?"') + 1, col: 7, code: 'N1' }]);
  });

  it('an unknown ref, an option-like ref, and a repository without commits are UserErrors', async () => {
    const dir = tempRepo({ 'connectors/crm.yaml': OAUTH2 });
    git(dir, 'init', '-q', '-b', 'main');
    await expect(loadManifests({ dir, ref: 'HEAD' })).rejects.toThrow(UserError);
    commitAll(dir);
    await expect(loadManifests({ dir, ref: 'nope' })).rejects.toThrow(/unknown git ref 'nope'/);
    await expect(loadManifests({ dir, ref: '--output=/tmp/x' })).rejects.toThrow(/is not a git ref/);
    await expect(loadManifests({ dir, ref: 'HEAD:connectors' })).rejects.toThrow(UserError);
  });

  it('reading a ref changes nothing in the repository', async () => {
    const dir = tempRepo({ 'connectors/crm.yaml': OAUTH2 });
    commitAll(dir);
    const before = { files: fingerprint(dir), status: git(dir, 'status', '--porcelain'), refs: git(dir, 'show-ref') };
    await loadManifests({ dir, ref: 'HEAD' });
    expect({ files: fingerprint(dir), status: git(dir, 'status', '--porcelain'), refs: git(dir, 'show-ref') }).toEqual(before);
  });
});

describe('usage files, listed and read with the manifests', () => {
  const CALL = (c: string) => `invokeurl\n[\n\tconnection:"${c}"\n];\n`;

  it('from a ref and from the working tree, under --dir D only, never from node_modules/ or .git/, as usages.from says', async () => {
    const repo = tempRepo({
      'other/outside.dg': CALL('outside'),
      'infra/connectors/crm.yaml': OAUTH2,
      'infra/apps/a.ds': `application "A"\n{\n\tfunctions\n\t{\n\t\tvoid f()\n\t\t{\n${CALL('crm_sales')}\t\t}\n\t}\n}\n`,
      'infra/scripts/b.dg': CALL('billing'),
      'infra/scripts/c.deluge': CALL('crm_sales'),
      'infra/node_modules/x/d.dg': CALL('vendored'),
      'infra/.hidden/e.dg': CALL('hidden'),
      'infra/notes.txt': CALL('text'),
    });
    const head = commitAll(repo);
    writeFiles(repo, { 'infra/scripts/b.dg': CALL('changed_since') });
    const dir = join(repo, 'infra');
    const brief = (l: Awaited<ReturnType<typeof loadManifests>>) => l.usages!.usages.map((u) => `${u.connection} ${u.app} ${u.file}:${u.line}:${u.col}`);

    const fromRef = await loadManifests({ dir, ref: head, usages: true });
    expect(fromRef.errors).toEqual([]);
    // Files are named from the repository's root (a usage links to the code host), not from --dir.
    expect(brief(fromRef)).toEqual([
      'billing infra/scripts/b.dg infra/scripts/b.dg:3:2',
      'crm_sales A infra/apps/a.ds:9:2',
      'crm_sales infra/scripts/c.deluge infra/scripts/c.deluge:3:2',
    ]);
    expect(fromRef.usages!.files).toBe(3);

    const fromTree = await loadManifests({ dir, usages: true });
    expect(brief(fromTree)).toEqual([
      'changed_since infra/scripts/b.dg infra/scripts/b.dg:3:2',
      'crm_sales A infra/apps/a.ds:9:2',
      'crm_sales infra/scripts/c.deluge infra/scripts/c.deluge:3:2',
    ]);

    writeFiles(repo, { 'infra/connectorops.yaml': 'usages:\n  from: ["scripts/*.dg", ".hidden/**"]\n' });
    const configured = commitAll(repo);
    for (const loaded of [await loadManifests({ dir, usages: true }), await loadManifests({ dir, ref: configured, usages: true })]) {
      expect(loaded.usages!.usages.map((u) => u.connection)).toEqual(['changed_since', 'hidden']);
    }
    // validate reads no code.
    expect((await loadManifests({ dir })).usages).toBeNull();
  });
});
