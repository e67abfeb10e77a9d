/**
 * `connectorops init [DIR]` as a new user runs it: the real CLI in temp folders. What it writes
 * validates and plans at once, every `$schema` modeline resolves inside the new repository, and it
 * never overwrites anything (it names what exists and writes nothing).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../support/dist.js';
import { runCli, type CliResult } from '../support/in-process-cli.js';
import { tempDir } from '../support/target.js';

let tmp: ReturnType<typeof tempDir>;

beforeEach(() => {
  tmp = tempDir('connectorops-init-e2e-');
});
afterEach(() => tmp.cleanup());

const ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', CI: '1' };

const cli = (cwd: string, ...args: string[]): Promise<CliResult> => runCli(args, { cwd, env: ENV });

/** Every file under `dir`, relative, `/`-separated, sorted; with its text. */
function tree(dir: string, base = dir, out = new Map<string, string>()): Map<string, string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) tree(path, base, out);
    else
      out.set(
        path
          .slice(base.length + 1)
          .split('\\')
          .join('/'),
        readFileSync(path, 'utf8'),
      );
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

describe('connectorops init', () => {
  it('scaffolds a repository that validates and plans right away, with next steps', async () => {
    const r = await cli(tmp.dir, 'init');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const files = tree(tmp.dir);
    expect([...files.keys()]).toEqual([
      '.github/workflows/connectorops-apply.yml',
      '.github/workflows/connectorops-drift.yml',
      '.github/workflows/connectorops-plan.yml',
      '.github/workflows/connectorops-rollout.yml',
      '.gitignore',
      'README.md',
      'connections/example.yaml',
      'connectorops.yaml',
      'connectors/example.yaml',
      'schema/config.schema.json',
      'schema/manifest.schema.json',
    ]);
    for (const path of files.keys()) expect(r.stdout).toContain(`created ${path}`);
    expect(r.stdout).toMatch(/Next steps:\n1\. Write your connectors/);
    expect(files.get('.gitignore')).toContain('\n.connectorops/\n');
    // The README says what each workflow does, the rollout's too.
    expect(files.get('README.md')).toContain('`connectorops-rollout.yml` records it on the ledger');
    expect(files.get('README.md')).toContain('Every day, `connectorops-drift.yml` checks that Git, the ledger and your Deluge code agree');
    // The schemas are the package's own, byte for byte.
    expect(files.get('schema/manifest.schema.json')).toBe(readFileSync(join(ROOT, 'schema/manifest.schema.json'), 'utf8'));

    const validate = await cli(tmp.dir, 'validate');
    // The examples are commented out: nothing is defined yet, and validate says where it looked.
    expect(validate.stderr).toMatch(/^warning: no manifests: nothing in /);
    expect(validate.stdout).toContain('Valid: 0 connectors, 0 connections');
    const plan = await cli(tmp.dir, 'plan');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('No changes.');
    // Planning creates no target (only apply does); .gitignore keeps .connectorops/ out of git.
    expect(existsSync(join(tmp.dir, '.connectorops/local.db'))).toBe(false);
  });

  it('writes examples that become valid manifests once uncommented', async () => {
    expect((await cli(tmp.dir, 'init')).code).toBe(0);
    for (const file of ['connectors/example.yaml', 'connections/example.yaml']) {
      const path = join(tmp.dir, file);
      // As the file says: the "# " in front of each line from `# kind:` on goes.
      const lines = readFileSync(path, 'utf8').split('\n');
      const from = lines.indexOf(lines.find((l) => l.startsWith('# kind:'))!);
      const text = lines.map((l, i) => (i >= from ? l.replace(/^# /, '') : l)).join('\n');
      writeFileSync(path, text);
    }
    const r = await cli(tmp.dir, 'validate');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Valid: 1 connector, 1 connection');
    const plan = await cli(tmp.dir, 'plan');
    expect(plan.stdout).toContain('1. a1 create connector "crm"');
    expect(plan.stdout).toContain('CRM_CLIENT_SECRET is not set');
  });

  it('gives every YAML file a $schema modeline that resolves inside the new repository', async () => {
    expect((await cli(tmp.dir, 'init')).code).toBe(0);
    for (const file of ['connectorops.yaml', 'connectors/example.yaml', 'connections/example.yaml']) {
      const m = /^# yaml-language-server: \$schema=(\S+)$/m.exec(readFileSync(join(tmp.dir, file), 'utf8'));
      expect(m, file).not.toBeNull();
      const schema = resolve(dirname(join(tmp.dir, file)), m![1]!);
      expect(schema.startsWith(tmp.dir)).toBe(true);
      expect(statSync(schema).isFile()).toBe(true);
    }
  });

  it('writes the plan, apply and rollout workflows, valid YAML, using the action at one pinned version (or --action)', async () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect((await cli(tmp.dir, 'init')).code).toBe(0);
    // Every step that runs the action names the same pinned version: plan, apply and rollout.
    const pinned = (dir: string, file: string) => {
      const docs = parseAllDocuments(readFileSync(join(dir, '.github/workflows', file), 'utf8'), { uniqueKeys: true });
      expect(docs).toHaveLength(1);
      expect(docs[0]!.errors).toEqual([]);
      const text = JSON.stringify(docs[0]!.toJS());
      return [...text.matchAll(/"uses":"([^"]+)"/g)].map((m) => m[1]).filter((u) => !u!.startsWith('actions/'));
    };
    const files = ['connectorops-plan.yml', 'connectorops-apply.yml', 'connectorops-rollout.yml', 'connectorops-drift.yml'];
    expect(files.map((f) => pinned(tmp.dir, f))).toEqual([
      [`connectorops/connectorops@v${version}`],
      [`connectorops/connectorops@v${version}`, `connectorops/connectorops@v${version}`],
      [`connectorops/connectorops@v${version}`, `connectorops/connectorops@v${version}`],
      [`connectorops/connectorops@v${version}`],
    ]);
    const other = join(tmp.dir, 'other');
    expect((await cli(tmp.dir, 'init', 'other', '--action', 'acme/connectorops@v9')).code).toBe(0);
    for (const f of files) expect(new Set(pinned(other, f))).toEqual(new Set(['acme/connectorops@v9']));
    const bad = await cli(tmp.dir, 'init', 'third', '--action', 'not a ref');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--action 'not a ref' is not OWNER/REPO@REF");
    expect(existsSync(join(tmp.dir, 'third'))).toBe(false);
  });

  it('creates DIR when missing, and prints paths relative to where it ran', async () => {
    const r = await cli(tmp.dir, 'init', 'infra/creator');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Initialized a connectorops repository in infra/creator:');
    expect(r.stdout).toContain('Next steps (in infra/creator):');
    expect(existsSync(join(tmp.dir, 'infra/creator/connectorops.yaml'))).toBe(true);
  });

  it('never overwrites: names every file that exists, and writes nothing', async () => {
    mkdirSync(join(tmp.dir, 'connectors'));
    writeFileSync(join(tmp.dir, 'connectors/example.yaml'), 'mine\n');
    writeFileSync(join(tmp.dir, 'connectorops.yaml'), 'targets: {}\n');
    const before = tree(tmp.dir);
    const r = await cli(tmp.dir, 'init');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('init would overwrite files that exist');
    expect(r.stderr).toContain('connectorops.yaml, connectors/example.yaml');
    expect(r.stderr).toContain('wrote nothing');
    expect(tree(tmp.dir)).toEqual(before);
  });

  it('refuses to write through a symbolic link (a linked .github or .gitignore), writing nothing anywhere (issue 18, item 8)', async () => {
    const repo = join(tmp.dir, 'repo');
    const outside = join(tmp.dir, 'outside');
    mkdirSync(repo);
    mkdirSync(outside);
    writeFileSync(join(outside, 'ignore'), 'theirs\n');
    symlinkSync(outside, join(repo, '.github'));
    symlinkSync(join(outside, 'ignore'), join(repo, '.gitignore'));
    const r = await cli(repo, 'init');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('init would write through symbolic links');
    expect(r.stderr).toContain('".github", ".gitignore"; nothing was written');
    expect(readdirSync(outside)).toEqual(['ignore']);
    expect(readFileSync(join(outside, 'ignore'), 'utf8')).toBe('theirs\n');
    expect(readdirSync(repo).sort()).toEqual(['.github', '.gitignore']);
  });

  it('adds to an existing repository: appends .connectorops/ to .gitignore, leaves README.md alone', async () => {
    writeFileSync(join(tmp.dir, '.gitignore'), 'node_modules/');
    writeFileSync(join(tmp.dir, 'README.md'), '# Ours\n');
    const r = await cli(tmp.dir, 'init');
    expect(r.code).toBe(0);
    expect(readFileSync(join(tmp.dir, '.gitignore'), 'utf8')).toBe('node_modules/\n# connectorops: local targets, their journals and locks\n.connectorops/\n');
    expect(readFileSync(join(tmp.dir, 'README.md'), 'utf8')).toBe('# Ours\n');
    expect(r.stdout).toContain('README.md exists: left as it was');
    // Run again on a .gitignore that has the line: it is not added twice (the rest is refused).
    writeFileSync(join(tmp.dir, '.gitignore'), '.connectorops/\n');
    for (const f of ['connectorops.yaml']) writeFileSync(join(tmp.dir, f), '');
    expect((await cli(tmp.dir, 'init')).code).toBe(1);
    expect(readFileSync(join(tmp.dir, '.gitignore'), 'utf8')).toBe('.connectorops/\n');
  });

  it('all or nothing: a write that fails half-way takes back what it wrote, and says why', async () => {
    // .github is a file: the workflows cannot go under it, and that is found after other files are written.
    writeFileSync(join(tmp.dir, '.github'), 'not a folder\n');
    writeFileSync(join(tmp.dir, '.gitignore'), 'node_modules/\n');
    const before = tree(tmp.dir);
    const r = await cli(tmp.dir, 'init', 'repo/..');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('a part of the path is a file, not a folder; nothing was written');
    expect(r.stderr).not.toContain('Internal error');
    expect(tree(tmp.dir)).toEqual(before);
    expect(readdirSync(tmp.dir).sort()).toEqual(['.github', '.gitignore']);
  });

  it('a DIR where no folder can be made (/proc) fails at once instead of hanging, and so does plan --out there', async () => {
    const r = await cli(tmp.dir, 'init', '/proc/connectorops-init-test');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot initialize "/proc/connectorops-init-test": a folder cannot be created there; nothing was written');
    const plan = await cli(tmp.dir, 'plan', '--target', `local:${join(tmp.dir, 'acct.db')}`, '--out', '/proc/connectorops-init-test/plan.json');
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain('cannot write the plan file /proc/connectorops-init-test/plan.json: a folder cannot be created there');
  });

  it('refuses a DIR that is a file, and stray arguments', async () => {
    writeFileSync(join(tmp.dir, 'file'), '');
    const r = await cli(tmp.dir, 'init', 'file');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('exists and is not a directory');
    expect((await cli(tmp.dir, 'init', 'a', 'b')).stderr).toContain("unexpected argument 'b'");
  });
});
