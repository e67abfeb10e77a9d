// Bundles the CLI (src/cli/main.ts and everything it imports, dependencies included) and the
// library entry (src/index.ts, docs/library.md) into dist/bundle/ with esbuild: what
// bin/connectorops.js runs, what `import … from 'connectorops'` loads, and what the npm package
// ships (with tsc's declarations, dist/**/*.d.ts, for the library's types).
// Why: start-up. Node resolving and reading hundreds of small files in node_modules cost more
// than the work of `connectorops validate` itself (bench/startup.bench.js measures it).
// - ESM with code splitting: each command stays a lazily imported chunk (src/cli/main.ts), so
//   `validate` never parses octokit or pg; simple-git, picomatch and child_process are imported
//   where they are used (src/git/, src/manifest/load.ts), so validate never parses those either.
// - Our code imports zod as a namespace (`import * as z`), so esbuild keeps only the parts we use
//   (`import { z }` is one object that holds all of zod: 193 KB against 102 KB).
// - yaml's `node` export is CommonJS, which esbuild cannot tree-shake: its ES module build (the
//   same code; warnings go to console.warn instead of process.emitWarning) is bundled instead.
// - Node's own modules are required (CommonJS), not imported: an `import` of one builds an ES
//   module facade that reads every export, which loads what nobody asked for (webcrypto with
//   node:crypto, the MIME parser with node:util).
// - Native and optional modules stay external: better-sqlite3 is an optional dependency loaded on
//   demand (src/targets/local/sqlite-driver.ts), resolved from the installed package's node_modules.
// - zod's namespace object carries its ~50 message locales (a third of the bundle's size, all
//   parsed at start-up). We use the English default only (zod configures it itself), so
//   `z.locales` is reduced to `en`.
// - jsonc-parser's `main` is a UMD build whose inner require() calls esbuild cannot follow (they
//   fail at run time, once outside this repository's node_modules): its ES module build is
//   bundled instead, under the default export our code imports (src/targets/snapshot.ts).
// - The studio's page (src/studio/web/) is a second, browser bundle: dist/bundle/studio/app.js.
// - The licences of the bundled packages are written to dist/bundle/THIRD-PARTY-LICENSES.txt.
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/bundle');
/** Never bundled: native code, or optional peers a dependency may try to load. */
const EXTERNAL = ['better-sqlite3', 'pg-native'];

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts', index: 'src/index.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  external: EXTERNAL,
  minify: true,
  // No keepNames: it wraps every function and class in a naming call (~20% more start-up for
  // validate). Nothing here depends on a minified name; errors that are matched by name set it
  // themselves (octokit's HttpError).
  legalComments: 'none',
  metafile: true,
  plugins: [builtinsThroughRequire(), englishZodLocalesOnly(), jsoncParserEsm(), yamlEsm()],
  logLevel: 'warning',
  // CommonJS dependencies call require() for Node's own modules; an ES module has none of its own.
  banner: { js: "import { createRequire as __connectoropsRequire } from 'node:module'; const require = __connectoropsRequire(import.meta.url);" },
});

// Anything else left for run time would be looked up in the installed package's node_modules,
// where it is not: fail the build rather than the user. (debug's `supports-color` is optional:
// it require()s it inside a try.)
const allowed = new Set([...builtinModules, ...EXTERNAL, 'supports-color']);
const unresolved = new Set();
for (const output of Object.values(result.metafile.outputs)) {
  for (const i of output.imports) if (i.external && !allowed.has(i.path.replace(/^node:/, ''))) unresolved.add(`${i.path} (${i.kind})`);
}
if (unresolved.size) throw new Error(`the bundle would load these at run time, from outside it: ${[...unresolved].join(', ')}`);

// The studio's page (src/studio/web/): a browser bundle of its own, served by `connectorops studio`
// from dist/bundle/studio/ (no CDN: every asset comes from the studio). Preact and htm are bundled in.
const studio = await build({
  absWorkingDir: root,
  entryPoints: { app: 'src/studio/web/main.ts' },
  outdir: join(outdir, 'studio'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
copyFileSync(join(root, 'src/studio/web/studio.css'), join(outdir, 'studio/app.css'));

writeFileSync(join(outdir, 'THIRD-PARTY-LICENSES.txt'), licences([...new Set([...Object.keys(result.metafile.inputs), ...Object.keys(studio.metafile.inputs)])]));

function builtinsThroughRequire() {
  const builtins = new Set(builtinModules);
  return {
    name: 'builtins-through-require',
    setup(b) {
      b.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
        if (args.namespace === 'builtin-require') return { path: args.path, external: true };
        if (args.kind !== 'import-statement' || !builtins.has(args.path.replace(/^node:/, ''))) return undefined;
        return { path: args.path, namespace: 'builtin-require' };
      });
      b.onLoad({ filter: /.*/, namespace: 'builtin-require' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});\n`, loader: 'js' }));
    },
  };
}

function englishZodLocalesOnly() {
  return {
    name: 'zod-english-locales-only',
    setup(b) {
      b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
        contents: 'export { default as en } from "./en.js";\n',
        loader: 'js',
      }));
    },
  };
}

function jsoncParserEsm() {
  const esm = join(root, 'node_modules/jsonc-parser/lib/esm/main.js');
  return {
    name: 'jsonc-parser-esm',
    setup(b) {
      b.onResolve({ filter: /^jsonc-parser$/ }, () => ({ path: 'jsonc-parser', namespace: 'jsonc-parser-esm' }));
      b.onLoad({ filter: /.*/, namespace: 'jsonc-parser-esm' }, () => ({
        contents: `import * as jsonc from ${JSON.stringify(esm)};\nexport default jsonc;\n`,
        resolveDir: root,
        loader: 'js',
      }));
    },
  };
}

function yamlEsm() {
  const esm = join(root, 'node_modules/yaml/browser/index.js');
  return {
    name: 'yaml-esm',
    setup(b) {
      b.onResolve({ filter: /^yaml$/ }, () => ({ path: esm }));
    },
  };
}

/** One section per bundled package: name, version, licence, and its licence file's text. */
function licences(inputs) {
  const packages = new Map();
  for (const input of inputs) {
    const m = /(^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (!m) continue;
    const dir = join(root, input.slice(0, m.index + m[0].length));
    if (!packages.has(dir)) packages.set(dir, m[2]);
  }
  const sections = [];
  for (const [dir, name] of [...packages].sort((a, b) => a[1].localeCompare(b[1]))) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const file = existsSync(dir) ? readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f)) : undefined;
    const text = file ? readFileSync(join(dir, file), 'utf8').trim() : `(no licence file; package.json says ${pkg.license ?? 'nothing'})`;
    sections.push(`${name}@${pkg.version} (${pkg.license ?? 'unknown'})\n\n${text}\n`);
  }
  return `connectorops bundles the following packages into dist/bundle/.\n\n${sections.join('\n' + '-'.repeat(72) + '\n\n')}`;
}
