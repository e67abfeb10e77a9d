/**
 * `connectorops usages [--dir D] [--ref REF] [--format text|json]`: every connection usage found
 * in the Deluge code that `usages.from` selects (connectorops.yaml), per connection, with where
 * it is. Reads the same working tree or ref as the manifests; opens no target.
 */
import { resolve } from 'node:path';
import { UserError, formatDiagnostic } from '../../errors.js';
import { loadManifests } from '../../manifest/load.js';
import { renderUsagesJson, renderUsagesText } from '../../render/usages.js';
import { isHelp, printUsage } from '../args.js';
import { parseUsagesArgs } from '../arguments/usages.js';
import type { Io } from '../io.js';
import { plural } from '../../util/text.js';

const USAGE = `Usage: connectorops usages [--dir D] [--ref REF] [--format text|json]

List every connection usage found in Deluge code: each invokeurl call that names a connection,
in Creator application exports (.ds) and loose scripts (.dg, .deluge), per connection, with the
application, the component and the file:line:col. connectorops.yaml's usages.from picks the files
(default: **/*.ds, **/*.dg, **/*.deluge). See docs/usages.md.

Options:
  --dir D      the directory that holds connectorops.yaml, connectors/ and connections/ (default: .)
  --ref REF    read from this git ref instead of the working tree
  --format F   text | json (default: text)
  -h, --help   show this help

Exit codes: 0 listed (warnings about unreadable code allowed), 1 error (invalid manifests, bad flags).`;

export async function run(argv: string[], io: Io): Promise<number> {
  const args = parseUsagesArgs(argv);
  if (isHelp(args)) return printUsage(io, USAGE);

  const dir = resolve(io.cwd, args.dir);
  const loaded = await loadManifests({ dir, usages: true, ...(args.ref !== undefined ? { ref: args.ref } : {}) });
  if (loaded.errors.length || !loaded.usages) {
    throw new UserError(`the manifests are invalid (${plural(loaded.errors.length, 'error')}, ${loaded.label}); no usages were read`, {
      diagnostics: [...loaded.errors, ...loaded.warnings],
      hint: 'connectorops.yaml names the files to read: fix the errors above first',
    });
  }
  const scan = loaded.usages;
  for (const d of scan.warnings) io.stderr.write(formatDiagnostic(d) + '\n');
  const report = {
    label: loaded.label,
    ref: loaded.ref,
    commit: loaded.commit,
    files: scan.files,
    usages: scan.usages,
    defined: new Set(loaded.desired.connections.keys()),
    warnings: scan.warnings,
  };
  io.stdout.write(args.format === 'json' ? renderUsagesJson(report) : renderUsagesText(report));
  return 0;
}
