/**
 * The version `--version` prints: package.json's, read at run time, so that it never disagrees
 * with what npm installed. The nearest package.json above this module is ours, wherever the code
 * runs from: src/ (tests), dist/ (tsc), dist/bundle/ or its chunks (the installed package).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InternalError } from '../errors.js';

export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    let text: string | undefined;
    try {
      text = readFileSync(join(dir, 'package.json'), 'utf8');
    } catch {
      // not here: one level up
    }
    if (text !== undefined) {
      const pkg = JSON.parse(text) as { name?: unknown; version?: unknown };
      if (pkg.name === 'connectorops' && typeof pkg.version === 'string') return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new InternalError('connectorops cannot find its own package.json');
    dir = parent;
  }
}
