/**
 * Our own package: its root (where schema/ and docs/ ship) and its version, read at run time so
 * that `--version` never disagrees with what npm installed. The nearest package.json named
 * connectorops above this module is ours, wherever the code runs from: src/ (tests), dist/ (tsc),
 * dist/bundle/ or its chunks (the installed package).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InternalError } from '../errors.js';

interface Package {
  root: string;
  version: string;
}

let found: Package | undefined;

function ownPackage(): Package {
  if (found) return found;
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
      if (pkg.name === 'connectorops' && typeof pkg.version === 'string') return (found = { root: dir, version: pkg.version });
    }
    const parent = dirname(dir);
    if (parent === dir) throw new InternalError('connectorops cannot find its own package.json');
    dir = parent;
  }
}

export const packageVersion = (): string => ownPackage().version;
export const packageRoot = (): string => ownPackage().root;
