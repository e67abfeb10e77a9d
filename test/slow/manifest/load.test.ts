/** loadManifests from the working tree: which files count, commit and config, and the failures that throw. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { fsSource, loadManifests } from '../../../src/manifest/load.js';
import { cleanRepos, commitAll, fingerprint, git, tempRepo } from '../../support/repo.js';
import { BASIC, CONNECTION, OAUTH2 } from '../../manifest/docs.js';

afterAll(cleanRepos);

const call = 'invokeurl [ url: "https://x.example" type: GET connection: "crm_sales" ];\n';

describe('loadManifests (working tree)', () => {
  it('reads connectors/** and connections/** (.yaml and .yml) and connectorops.yaml, nothing else', async () => {
    const dir = tempRepo({
      'connectors/crm.yaml': OAUTH2,
      'connectors/a/b/c/desk.yml': BASIC,
      'connections/x/crm_sales.yaml': CONNECTION,
      'connectorops.yaml': 'targets: { prod: { url: "https://p.example" } }\n',
      'connectors/README.md': 'kind: nonsense',
      'connectors/old.yaml.bak': 'kind: nonsense',
      'connectors/.YAML': 'kind: nonsense',
      'other/x.yaml': 'kind: nonsense',
      'x.yaml': 'kind: nonsense',
      'connectorops.yml': 'kind: nonsense',
    });
    const loaded = await loadManifests({ dir });
    expect(loaded.errors).toEqual([]);
    expect(loaded.files).toBe(4);
    expect([...loaded.desired.connectors.keys()].sort()).toEqual(['crm', 'desk']);
    expect(loaded.desired.connectors.get('desk')!.source.file).toBe('connectors/a/b/c/desk.yml');
    expect(loaded.config.targets).toEqual({ prod: { url: 'https://p.example' } });
    expect(loaded.ref).toBeNull();
    expect(loaded.label).toBe('working tree');
  });

  it('commit is null outside git, and HEAD inside', async () => {
    const dir = tempRepo({ 'connectors/crm.yaml': OAUTH2 });
    // The temp dir might sit inside some repository on a developer's machine: keep git from looking up.
    const ceiling = process.env.GIT_CEILING_DIRECTORIES;
    process.env.GIT_CEILING_DIRECTORIES = tmpdir();
    try {
      expect((await loadManifests({ dir })).commit).toBeNull();
    } finally {
      if (ceiling === undefined) delete process.env.GIT_CEILING_DIRECTORIES;
      else process.env.GIT_CEILING_DIRECTORIES = ceiling;
    }
    const head = commitAll(dir);
    expect((await loadManifests({ dir })).commit).toBe(head);
  });

  it('below the repository root: HEAD and the usages named from the root, before the first commit and after it', async () => {
    const dir = tempRepo({ 'infra/connectors/crm.yaml': BASIC, 'infra/code/send.dg': call });
    git(dir, 'init', '-q', '-b', 'main');
    const manifests = join(dir, 'infra');
    const before = await loadManifests({ dir: manifests, usages: true });
    expect(before.commit).toBeNull();
    expect(before.usages!.usages.map((u) => `${u.file} ${u.app}`)).toEqual(['infra/code/send.dg infra/code/send.dg']);
    const head = commitAll(dir);
    const after = await loadManifests({ dir: manifests, usages: true });
    expect(after.commit).toBe(head);
    expect(after.usages!.usages.map((u) => `${u.file} ${u.app}`)).toEqual(['infra/code/send.dg infra/code/send.dg']);
    // At the top of the work tree the prefix is '' (git prints an empty line for it).
    const top = await loadManifests({ dir: tempRepoWith(commitAll), usages: true });
    expect(top.usages!.usages.map((u) => u.file)).toEqual(['code/send.dg']);
    expect(top.commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it('follows a symlinked manifest file, but not a symlinked directory', async () => {
    const dir = tempRepo({ 'elsewhere/crm.yaml': OAUTH2, 'elsewhere/more/desk.yaml': BASIC });
    mkdirSync(join(dir, 'connectors'));
    symlinkSync(join(dir, 'elsewhere/crm.yaml'), join(dir, 'connectors/crm.yaml'));
    symlinkSync(join(dir, 'elsewhere/more'), join(dir, 'connectors/more'));
    const loaded = await loadManifests({ dir });
    expect([...loaded.desired.connectors.keys()]).toEqual(['crm']);
  });

  it('lists files sorted, with / separators', async () => {
    const dir = tempRepo({ 'connections/b.yaml': '', 'connections/a/z.yaml': '', 'connectors/m.yaml': '', 'connectorops.yaml': '' });
    expect(await (await fsSource(dir)).list()).toEqual(['connections/a/z.yaml', 'connections/b.yaml', 'connectorops.yaml', 'connectors/m.yaml']);
  });

  it('reads UTF-8, with or without a byte order mark', async () => {
    const dir = tempRepo({ 'connectors/a.yaml': '\uFEFF' + BASIC.replace('name: Helpdesk', 'name: Hilfe für Kunden') });
    const loaded = await loadManifests({ dir });
    expect(loaded.errors).toEqual([]);
    expect(loaded.desired.connectors.get('desk')!.name).toBe('Hilfe für Kunden');
  });

  it('reads a U+FFFD written in UTF-8 as itself, and still refuses bytes that are not UTF-8', async () => {
    // Files are decoded leniently first (bad bytes become U+FFFD) and judged strictly only when a U+FFFD shows.
    const dir = tempRepo({
      'connectors/a.yaml': '# a replacement character, written as UTF-8: \uFFFD\n' + BASIC,
      'apps/ok.dg': 'x = "\uFFFD";\n' + call,
      'apps/bom.dg': '\uFEFF' + call,
    });
    writeFileSync(join(dir, 'apps/bad.dg'), Buffer.concat([Buffer.from('x = "'), Buffer.from([0xff]), Buffer.from('";\n' + call)]));
    const loaded = await loadManifests({ dir, usages: true });
    expect(loaded.errors).toEqual([]);
    expect(loaded.desired.connectors.get('desk')).toBeDefined();
    // A byte order mark is no character of the file: columns on its first line do not count it.
    expect(loaded.usages!.usages.map((u) => `${u.file}:${u.line}:${u.col}`)).toEqual([
      `apps/bom.dg:1:${call.indexOf('connection') + 1}`,
      `apps/ok.dg:2:${call.indexOf('connection') + 1}`,
    ]);
    expect(loaded.usages!.warnings).toMatchObject([{ file: 'apps/bad.dg', line: 1, col: 6, code: 'encoding' }]);
    // A code file's warning does not call it a manifest.
    expect(loaded.usages!.warnings[0]!.message).toBe('byte 5 (0xff) is not valid UTF-8; connectorops reads manifests and code as UTF-8 text; its usages are not counted');
    writeFileSync(join(dir, 'connectors/b.yaml'), Buffer.concat([Buffer.from('kind: Connector\nname: '), Buffer.from([0xff])]));
    await expect(loadManifests({ dir })).rejects.toMatchObject({ details: { diagnostics: [{ file: 'connectors/b.yaml', line: 2, col: 7, code: 'encoding' }] } });
  });

  it('a folder nested past the path limit under --dir is named short, in words, with a hint (was: ENAMETOOLONG and the whole path)', async () => {
    const dir = tempRepo({ 'connectors/crm.yaml': BASIC });
    // 18 folders of 250 characters: past PATH_MAX (4,096) from --dir. Each is made relative to the
    // one before (a process that changes into it, level by level: no absolute path is that long),
    // and removed by rm, which walks a tree of any depth (Node's rmSync stops at the limit).
    const apps = join(dir, 'apps');
    const make = `const fs = require('node:fs'); fs.mkdirSync(process.argv[1]); process.chdir(process.argv[1]); for (let i = 0; i < 18; i++) { fs.mkdirSync('d'.repeat(250)); process.chdir('d'.repeat(250)); }`;
    execFileSync(process.execPath, ['-e', make, apps]);
    const refused = await loadManifests({ dir, usages: true }).catch((e: unknown) => e);
    execFileSync('rm', ['-rf', apps]);
    expect(refused).toBeInstanceOf(UserError);
    const { message, details } = refused as UserError;
    expect(message).toMatch(/^cannot list "apps\/d+…d+": its path is longer than the file system allows \(folders nested too deep\)$/);
    expect(message.length).toBeLessThan(250);
    expect(details.hint).toContain('move it out of --dir');
  });

  it('a file whose name is not UTF-8 is an encoding error naming the file (a manifest) or a warning (code), not ENOENT', async () => {
    // It was "Error: cannot read "connectors/caf\uFFFD.yaml": ENOENT": readdir turns the byte into
    // U+FFFD, and that name is no file. Every command that reads the manifests stopped there.
    const dir = tempRepo({ 'connectors/crm.yaml': BASIC, 'apps/ok.dg': call });
    const latin1 = (rel: string, text: string) => writeFileSync(Buffer.concat([Buffer.from(join(dir, rel)), Buffer.from([0xe9]), Buffer.from('.dg')]), text);
    latin1('apps/caf', call);
    const loaded = await loadManifests({ dir, usages: true });
    expect(loaded.errors).toEqual([]);
    expect(loaded.usages!.usages.map((u) => u.file)).toEqual(['apps/ok.dg']);
    expect(loaded.usages!.warnings).toMatchObject([{ file: 'apps/caf\uFFFD.dg', severity: 'warning', code: 'encoding' }]);
    writeFileSync(Buffer.concat([Buffer.from(join(dir, 'connectors/caf')), Buffer.from([0xe9]), Buffer.from('.yaml')]), BASIC);
    const refused = await loadManifests({ dir }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UserError);
    expect(refused).toMatchObject({ details: { diagnostics: [{ file: 'connectors/caf\uFFFD.yaml', line: 1, col: 1, severity: 'error', code: 'encoding' }] } });
    expect((refused as UserError).details.diagnostics![0]!.message).toContain('file name is not valid UTF-8');
  });

  it('bad manifests are errors, not exceptions, and touch nothing', async () => {
    const dir = tempRepo({ 'connectors/a.yaml': 'kind: [', 'connections/b.yaml': '\t- x' });
    const before = fingerprint(dir);
    const loaded = await loadManifests({ dir });
    expect(loaded.errors.map((e) => e.file)).toEqual(['connections/b.yaml', 'connectors/a.yaml']);
    expect(fingerprint(dir)).toEqual(before);
  });

  it('a nonexistent directory, or a file, is a UserError', async () => {
    await expect(loadManifests({ dir: join(tmpdir(), 'connectorops-nope-' + process.pid) })).rejects.toThrow(UserError);
    const dir = tempRepo({ f: 'x' });
    await expect(loadManifests({ dir: join(dir, 'f') })).rejects.toThrow(/not a directory/);
  });

  it('connectors/ as a file is no manifest folder', async () => {
    const dir = tempRepo({});
    writeFileSync(join(dir, 'connectors'), 'kind: Connector');
    const loaded = await loadManifests({ dir });
    expect(loaded.files).toBe(0);
    expect(loaded.errors).toEqual([]);
  });

  it('manifestDigest is the same for the working tree and the ref of the same files', async () => {
    const dir = tempRepo({ 'connectors/crm.yaml': OAUTH2, 'connections/c.yaml': CONNECTION });
    commitAll(dir);
    const tree = await loadManifests({ dir });
    const ref = await loadManifests({ dir, ref: 'HEAD' });
    expect(ref.manifestDigest).toBe(tree.manifestDigest);
    expect(ref.desired).toEqual(tree.desired);
  });
});

describe('code files are read for usages, never failing the load (issue 18, item 7)', () => {
  const big = (bytes: number) => `application "Sales" {\n  workflow w {\n${'// filler line for a large Creator export\n'.repeat(Math.ceil(bytes / 42))}${call}  }\n}\n`;

  it.each([{ ref: undefined }, { ref: 'HEAD' }])('a 2 MiB export is scanned (%o); one over 32 MiB is a warning, not an error', async ({ ref }) => {
    const dir = tempRepo({ 'connectors/crm.yaml': BASIC, 'apps/sales.ds': big(2 * 1024 * 1024), 'apps/huge.ds': big(33 * 1024 * 1024) });
    commitAll(dir);
    const loaded = await loadManifests({ dir, usages: true, ...(ref ? { ref } : {}) });
    expect(loaded.errors).toEqual([]);
    expect(loaded.usages!.usages.map((u) => `${u.file} ${u.connection}`)).toEqual(['apps/sales.ds crm_sales']);
    const warning = loaded.usages!.warnings.find((w) => w.file === 'apps/huge.ds');
    expect(warning).toMatchObject({ severity: 'warning', code: 'size' });
    expect(warning!.message).toContain('a code file is read up to 33554432 (32 MiB); its usages are not counted');
  });
});

/** A repository whose top holds a connector and a script that calls crm_sales, after `prepare`. */
function tempRepoWith(prepare: (dir: string) => unknown): string {
  const dir = tempRepo({ 'connectors/crm.yaml': BASIC, 'code/send.dg': call });
  prepare(dir);
  return dir;
}
