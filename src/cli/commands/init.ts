/**
 * `connectorops init [DIR] [--action OWNER/REPO@REF]`: scaffold a configuration repository
 * (src/init/scaffold.ts says what). Never overwrites: when any file it would write exists, it
 * names them all and writes nothing. Two files are shared with whatever else lives in the
 * repository, and are added to rather than refused: `.gitignore` gets `.connectorops/` appended
 * when it lacks it, and an existing README.md is left alone (the next steps are printed anyway).
 */
import { existsSync, lstatSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { appendFile, writeFile } from 'node:fs/promises';
import { makeDirectories, writeProblem } from '../../fs/directories.js';
import { quoteTerminal } from '../../render/escape.js';
import { dirname, join, relative, resolve } from 'node:path';
import { UserError } from '../../errors.js';
import { GITIGNORE_LINE, nextSteps, readme, scaffoldFiles, SCHEMA_FILES, type ScaffoldOptions } from '../../init/scaffold.js';
import { isHelp, printUsage } from '../args.js';
import { ACTION_REPOSITORY, parseInitArgs } from '../arguments/init.js';
import type { Io } from '../io.js';
import { packageRoot, packageVersion } from '../package.js';
import { agree } from '../../util/text.js';

const USAGE = `Usage: connectorops init [DIR] [--action OWNER/REPO@REF]

Scaffold a configuration repository in DIR (default: the current directory; created if missing):
connectorops.yaml, connectors/ and connections/ with a commented example each, schema/ (JSON
Schemas for editors), .github/workflows/ (plan on pull requests, apply on merge, and the rollout
issue's checklist kept in step with the target), .gitignore and a README with the next steps.
Nothing is overwritten: if a file it would write exists, init names it and writes nothing.

Options:
  --action OWNER/REPO@REF  the GitHub Action the workflows use (default: ${ACTION_REPOSITORY}@v<this version>)
  -h, --help               show this help

Exit codes: 0 created, 1 something already exists or cannot be written.`;

export async function run(argv: string[], io: Io): Promise<number> {
  const args = parseInitArgs(argv);
  if (isHelp(args)) return printUsage(io, USAGE);
  const dir = resolve(io.cwd, args.dir);
  const version = packageVersion();
  const action = args.action ?? `${ACTION_REPOSITORY}@v${version}`;
  const options: ScaffoldOptions = { action, version };
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UserError(`${dir} exists and is not a directory`);

  const files = scaffoldFiles(options);
  const owned = [...files.map((f) => f.path), ...SCHEMA_FILES];
  const links = symbolicLinksOnTheWay(dir, [...owned, '.gitignore', 'README.md']);
  if (links.length) {
    throw new UserError(
      `init would write through ${agree(links.length, 'a symbolic link', 'symbolic links')} in ${quoteTerminal(dir)}: ${links.map(quoteTerminal).join(', ')}; nothing was written`,
      {
        hint: 'init writes only inside the folder: replace the link with a real folder or file, or run init in another folder',
      },
    );
  }
  const taken = owned.filter((p) => existsSync(join(dir, p)));
  if (taken.length) {
    throw new UserError(`init would overwrite ${agree(taken.length, 'a file that exists', 'files that exist')} in ${dir}: ${taken.join(', ')}`, {
      hint: 'move them away (or run init in another directory); init never overwrites, and wrote nothing',
    });
  }

  const written: string[] = [];
  const madeDirs: string[] = [];
  const notes: string[] = [];
  const gitignore = join(dir, '.gitignore');
  let gitignoreBefore: string | null = null;
  const write = async (path: string, text: string) => {
    madeDirs.push(...makeDirectories(dirname(join(dir, path))));
    await writeFile(join(dir, path), text, { flag: 'wx' }); // wx: never over a file that appeared meanwhile
    written.push(path);
  };
  try {
    for (const f of files) await write(f.path, f.text);
    for (const schema of SCHEMA_FILES) await write(schema, readFileSync(join(packageRoot(), schema), 'utf8'));
    const ignoreBlock = `# connectorops: local targets, their journals and locks\n${GITIGNORE_LINE}\n`;
    if (!existsSync(gitignore)) await write('.gitignore', ignoreBlock);
    else {
      const text = readFileSync(gitignore, 'utf8');
      if (!text.split(/\r?\n/).some((l) => l.trim() === GITIGNORE_LINE || l.trim() === '.connectorops')) {
        gitignoreBefore = text;
        await appendFile(gitignore, `${text === '' || text.endsWith('\n') ? '' : '\n'}${ignoreBlock}`);
        notes.push(`.gitignore: added ${GITIGNORE_LINE}`);
      }
    }
    if (!existsSync(join(dir, 'README.md'))) await write('README.md', readme(options));
    else notes.push('README.md exists: left as it was');
  } catch (error) {
    // All or nothing: what this run wrote is taken away again, so a retry starts from the same place.
    for (const path of written.reverse()) rmSync(join(dir, path), { force: true });
    if (gitignoreBefore !== null) writeFileSync(gitignore, gitignoreBefore);
    for (const made of madeDirs.reverse()) {
      try {
        rmdirSync(made); // empty by now: only what this run made was in it
      } catch {
        // Someone put something there meanwhile: it stays.
      }
    }
    throw cannotInit(dir, error);
  }

  const where = relative(io.cwd, dir) || '.';
  io.stdout.write(`Initialized a connectorops repository in ${where}:\n`);
  for (const path of written) io.stdout.write(`  created ${path}\n`);
  for (const note of notes) io.stdout.write(`  ${note}\n`);
  io.stdout.write(`\nNext steps${where === '.' ? '' : ` (in ${where})`}:\n`);
  nextSteps(options).forEach((s, i) => io.stdout.write(s.startsWith('  ') ? `   ${s.trim()}\n` : `${i + 1}. ${s}\n`));
  return 0;
}

/** The existing parts of `paths` (each folder on the way, and the file) that are symbolic links: writing there would land outside `dir`. */
function symbolicLinksOnTheWay(dir: string, paths: readonly string[]): string[] {
  const links = new Set<string>();
  for (const path of paths) {
    const parts = path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const part = parts.slice(0, i).join('/');
      try {
        if (lstatSync(join(dir, part)).isSymbolicLink()) links.add(part);
      } catch {
        break; // does not exist: nothing below it does either
      }
    }
  }
  return [...links].sort();
}

function cannotInit(dir: string, error: unknown): UserError {
  const why = (error as NodeJS.ErrnoException).code === 'EEXIST' ? 'a file appeared where init was writing' : writeProblem(error);
  return new UserError(`cannot initialize ${quoteTerminal(dir)}: ${why}; nothing was written`, {
    hint: 'run init in a folder you can write to (it is created when missing)',
  });
}
