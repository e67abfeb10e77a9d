// validate: N connectors × M connections each (default 2,000 × 5: 2,000 connector files and
// 10,000 connection files), from the working tree and from `--ref HEAD`, each next to a floor
// measured in the same run: reading the same files the cheapest way (fs; or one ls-tree plus one
// cat-file --batch) and parsing them with `yaml`, with no validation at all.
// Scale with BENCH_CONNECTORS, BENCH_CONNECTIONS; BENCH_RUNS runs each (best counts).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { loadManifests } from '../dist/manifest/load.js';
import { blobTexts, time, writeAndCommit } from './support.js';

const CONNECTORS = Number(process.env.BENCH_CONNECTORS ?? 2000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TARGET = 1.5;

export async function run(report) {
  const dir = fileURLToPath(new URL(`.work/validate-${CONNECTORS}x${CONNECTIONS}`, import.meta.url));
  const files = await generate(dir);
  report.log(`${CONNECTORS} connectors × ${CONNECTIONS} connections = ${files} files in ${dir}; best of ${RUNS}`);

  const want = { connectors: CONNECTORS, connections: CONNECTORS * CONNECTIONS };
  const check = (loaded) => {
    if (loaded.errors.length || loaded.desired.connectors.size !== want.connectors || loaded.desired.connections.size !== want.connections) {
      throw new Error(
        `validate bench: unexpected result: ${loaded.errors.length} errors, ${loaded.desired.connectors.size} connectors, ${loaded.desired.connections.size} connections`,
      );
    }
  };
  // Interleaved, so that a slow moment of the machine hits floor and subject alike.
  const best = { treeFloor: Infinity, tree: Infinity, refFloor: Infinity, ref: Infinity };
  for (let i = 0; i < RUNS; i++) {
    best.treeFloor = Math.min(best.treeFloor, await time(() => treeFloor(dir, files)));
    best.tree = Math.min(best.tree, await time(async () => check(await loadManifests({ dir }))));
    best.refFloor = Math.min(best.refFloor, await time(() => refFloor(dir, files)));
    best.ref = Math.min(best.ref, await time(async () => check(await loadManifests({ dir, ref: 'HEAD' }))));
  }
  report.row('validate (working tree)', { ms: best.tree, floorMs: best.treeFloor, target: TARGET, note: 'floor: readdirSync + readFileSync + yaml parse' });
  report.row('validate --ref HEAD', { ms: best.ref, floorMs: best.refFloor, target: TARGET, note: 'floor: ls-tree + cat-file --batch + yaml parse' });
}

/** The floor: every document parsed to plain data, nothing checked. */
function parseAll(texts) {
  let documents = 0;
  for (const text of texts) {
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) throw new Error('bench floor: YAML error');
      doc.toJS();
      documents++;
    }
  }
  return documents;
}

// The fastest bare read measured here: synchronous calls (see src/manifest/source.ts for numbers).
async function treeFloor(dir, expected) {
  const paths = [];
  const walk = (rel) => {
    let entries;
    try {
      entries = readdirSync(join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && p.endsWith('.yaml')) paths.push(p);
    }
  };
  walk('connectors');
  walk('connections');
  const texts = paths.map((p) => readFileSync(join(dir, p), 'utf8'));
  if (parseAll(texts) !== expected) throw new Error('bench floor: wrong document count');
}

async function refFloor(dir, expected) {
  const texts = await blobTexts(dir, ['connectors', 'connections']);
  if (parseAll(texts) !== expected) throw new Error('bench floor: wrong document count');
}

/** Writes and commits the manifests once; a later run with the same size reuses them. */
async function generate(dir) {
  const files = CONNECTORS * (1 + CONNECTIONS);
  if (existsSync(join(dir, '.complete'))) return files;
  const auth = [
    (i) =>
      `authentication:\n  type: oauth2\n  grantType: authorization_code\n  clientId: 1000.CLIENT${i}\n  clientSecret: { fromEnv: SECRET_${i} }\n  authorizeUrl: https://accounts.example.com/oauth/authorize\n  accessTokenUrl: https://accounts.example.com/oauth/token\n  refreshTokenUrl: https://accounts.example.com/oauth/token\n  scopes: [contacts.read, contacts.write, deals.read]\n`,
    (i) => `authentication:\n  type: apiKey\n  parameterKey: X-Api-Key-${i}\n  displayName: API key\n  addTo: header\n`,
    () => `authentication:\n  type: basic\n`,
    (i) =>
      `authentication:\n  type: oauth1\n  consumerKey: consumer-${i}\n  consumerSecret:\n    fromEnv: CONSUMER_SECRET_${i}\n  requestTokenUrl: https://erp.example.com/oauth/request_token\n  authorizeUrl: https://erp.example.com/oauth/authorize\n  accessTokenUrl: https://erp.example.com/oauth/access_token\n`,
  ];
  const header = '# yaml-language-server: $schema=../../schema/manifest.schema.json\n';
  const writes = [];
  for (let i = 0; i < CONNECTORS; i++) {
    const group = `team_${String(i % 40).padStart(2, '0')}`;
    const link = `svc_${i}`;
    const kind = i % auth.length;
    writes.push([
      `connectors/${group}/${link}.yaml`,
      `${header}kind: Connector\nlinkName: ${link}\nname: Service ${i}\ndescription: Generated connector number ${i}, for the benchmark\nstage: ready\nenabled: true\n${auth[kind](i)}`,
    ]);
    for (let j = 0; j < CONNECTIONS; j++) {
      const scopes = kind === 0 ? `scopes: [contacts.read${j % 2 ? ', deals.read' : ''}]\n` : '';
      writes.push([
        `connections/${group}/${link}/${link}_c${j}.yaml`,
        `${header}kind: Connection\nlinkName: ${link}_c${j}\nname: Connection ${j} of service ${i}\nconnector: ${link}\nenabled: true\n${scopes}`,
      ]);
    }
  }
  await writeAndCommit(dir, writes, 'bench manifests');
  return files;
}
