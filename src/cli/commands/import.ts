/**
 * `connectorops import --target T [--out D]`: writes manifests for what the target holds, so that
 * an account made by hand can be brought under Git. Refuses, writing nothing, when a file it
 * would write exists with other content. Prints the environment variables the manifests name.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { makeDirectories, writeProblem } from '../../fs/directories.js';
import { dirname, join, resolve } from 'node:path';
import { agree, plural } from '../../util/text.js';
import { UserError } from '../../errors.js';
import { quoteTerminal, sanitizeTerminal } from '../../render/escape.js';
import { manifestsFor } from '../../manifest/write.js';
import { snapshotToState } from '../../targets/snapshot.js';
import { isHelp, printUsage } from '../args.js';
import { parseImportArgs } from '../arguments/import.js';
import type { Io } from '../io.js';
import { openTargetFlag } from '../target-flag.js';

const USAGE = `Usage: connectorops import --target T [--out D]

Write manifests for what the target holds: D/connectors/<linkName>.yaml and
D/connections/<linkName>.yaml. Secrets are written as references ({ fromEnv: NAME }); the
command lists the environment variables to set before plan and apply. Nothing is written when a
file exists with other content.

Options:
  --target T   a name from connectorops.yaml, local:PATH, postgres://…, or http(s)://… (default: the config's defaultTarget, else local:.connectorops/local.db)
  --out D      the directory to write into (default: the current directory)
  -h, --help   show this help

Exit codes: 0 written, 1 error (nothing written).`;

/** Where the manifest JSON Schema may be, relative to D, in the order tried (docs/targets.md). */
const SCHEMA_CANDIDATES = ['schema/manifest.schema.json', 'node_modules/connectorops/schema/manifest.schema.json'];

export async function run(argv: string[], io: Io): Promise<number> {
  const args = parseImportArgs(argv);
  if (isHelp(args)) return printUsage(io, USAGE);
  const out = resolve(io.cwd, args.out);
  const target = await openTargetFlag(args.target, io);
  let state;
  try {
    // The export, not read(): no digest is needed here, and hashing 100k connections costs a second.
    // Each record becomes a file named by its link name: every target checks its records against
    // the rules (N1-N3) before it answers, so none named `../../x` reaches this point.
    state = snapshotToState(await target.exportSnapshot());
  } finally {
    await target.close();
  }
  const schemaPath = SCHEMA_CANDIDATES.find((p) => existsSync(join(out, p)));
  const { files, variables } = manifestsFor(state, schemaPath ? { schemaPath } : {});

  // Every file is checked before any is written, so a refusal leaves D as it was.
  const toWrite: typeof files = [];
  const conflicts: string[] = [];
  const existing = await inBatches(files, (file) =>
    readFile(join(out, file.path), 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      throw cannotWrite(args.out, e);
    }),
  );
  files.forEach((file, i) => {
    const text = existing[i];
    if (text === null) toWrite.push(file);
    else if (text !== file.content) conflicts.push(file.path);
  });
  if (conflicts.length) {
    const shown = conflicts.slice(0, 20).map((p) => `  ${join(args.out, p)}`);
    if (conflicts.length > 20) shown.push(`  … and ${conflicts.length - 20} more`);
    throw new UserError(
      `${plural(conflicts.length, 'file')} already ${agree(conflicts.length, 'exists', 'exist')} with other content; nothing was written:\n${shown.join('\n')}`,
      {
        hint: 'move them away, or import into another directory with --out',
      },
    );
  }
  try {
    const dirs = new Set(toWrite.map((f) => dirname(join(out, f.path))));
    for (const d of dirs) makeDirectories(d);
    await inBatches(toWrite, async (file) => {
      // Write then rename: an interrupted import never leaves half a manifest behind.
      const abs = join(out, file.path);
      const tmp = `${abs}.${process.pid}.tmp`;
      await writeFile(tmp, file.content, 'utf8');
      await rename(tmp, abs);
    });
  } catch (error) {
    throw cannotWrite(args.out, error);
  }

  const connectors = files.filter((f) => f.kind === 'Connector').length;
  const connections = files.length - connectors;
  const unchanged = files.length - toWrite.length;
  // `to .` would end the sentence with two dots: name the folders instead.
  const where = args.out === '.' || args.out === './' ? 'connectors/ and connections/ here' : sanitizeTerminal(args.out);
  io.stdout.write(
    `Wrote ${plural(toWrite.length, 'manifest')} (${plural(connectors, 'connector')}, ${plural(connections, 'connection')}` +
      `${unchanged ? `; ${unchanged} already up to date` : ''}) to ${where}.\n`,
  );
  if (variables.length) {
    io.stdout.write(`\nThe manifests name these secrets; set the environment variables before plan and apply:\n`);
    const width = Math.max(...variables.map((v) => v.env.length));
    for (const v of variables) io.stdout.write(`  ${v.env.padEnd(width)}  ${v.secret} of connector '${v.connector}'\n`);
  }
  return 0;
}

/** A folder the manifests cannot be written to, in words (files are written whole or not at all). */
function cannotWrite(out: string, error: unknown): UserError {
  return new UserError(`cannot write manifests to ${quoteTerminal(out)}: ${writeProblem(error)}`, {
    hint: 'give --out a folder you can write to (created when missing)',
  });
}

/** Runs `fn` over `items` a batch at a time: an account of 100k connections is 100k files. */
async function inBatches<T, R>(items: readonly T[], fn: (item: T) => Promise<R>, size = 64): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}
