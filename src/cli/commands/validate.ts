/** `connectorops validate [--dir D] [--ref REF]`: parse and check every manifest. 0 valid, 1 invalid. */
import { resolve } from 'node:path';
import { formatDiagnostic, type Diagnostic } from '../../errors.js';
import { definesNothing, describeFound, manifestFolders } from '../../manifest/empty.js';
import { loadManifests } from '../../manifest/load.js';
import { isHelp, printUsage } from '../args.js';
import { parseValidateArgs } from '../arguments/validate.js';
import type { Io } from '../io.js';
import { plural } from '../../util/text.js';

const USAGE = `Usage: connectorops validate [--dir D] [--ref REF]

Parse and check every manifest (connectors/**/*.yaml, connections/**/*.yaml, connectorops.yaml).

Options:
  --dir D     the directory that holds connectors/ and connections/ (default: the current directory)
  --ref REF   read the manifests from this git ref (branch, tag or commit) instead of the working tree
  -h, --help  show this help

Exit codes: 0 valid (warnings allowed), 1 invalid.`;

export async function run(argv: string[], io: Io): Promise<number> {
  const args = parseValidateArgs(argv);
  if (isHelp(args)) return printUsage(io, USAGE);
  const dir = resolve(io.cwd, args.dir);
  const loaded = await loadManifests({ dir, commit: false, ...(args.ref !== undefined ? { ref: args.ref } : {}) });

  // YAML syntax errors first: what follows from a file that did not parse is secondary.
  const syntaxFirst = (d: Diagnostic) => (d.code === 'yaml' && d.severity === 'error' ? 0 : 1);
  for (const d of [...loaded.errors, ...loaded.warnings].sort((a, b) => syntaxFirst(a) - syntaxFirst(b) || byPosition(a, b))) io.stderr.write(formatDiagnostic(d) + '\n');

  const counts = `${plural(loaded.desired.connectors.size, 'connector')}, ${plural(loaded.desired.connections.size, 'connection')} in ${plural(loaded.files, 'file')} (${loaded.label})`;
  const warned = loaded.warnings.length ? `, ${plural(loaded.warnings.length, 'warning')}` : '';
  if (loaded.errors.length > 0) {
    io.stderr.write(`Invalid: ${plural(loaded.errors.length, 'error')}${warned} in ${plural(loaded.files, 'file')} (${loaded.label}).\n`);
    return 1;
  }
  if (definesNothing(loaded.desired)) {
    // A wrong --dir must not pass quietly as "valid": plan and apply refuse it (unless --allow-empty).
    const at = loaded.ref !== null ? ` at ${loaded.ref}` : '';
    io.stderr.write(
      `warning: no manifests: nothing in ${manifestFolders(dir)}${at} defines a connector or connection (${describeFound(dir, loaded)})\n` +
        `  hint: check --dir; plan and apply refuse to empty a target unless given --allow-empty\n`,
    );
  }
  io.stdout.write(`Valid: ${counts}${warned}.\n`);
  return 0;
}

function byPosition(a: { file: string; line: number; col: number }, b: { file: string; line: number; col: number }): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col;
}
