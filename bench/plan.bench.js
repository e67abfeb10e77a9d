// plan: the pure core (desired-state check, diff, consequences, steps, order, proof) on large
// accounts, next to a floor measured in the same run: structuredClone of the current and the
// desired state, the least any planner that copies the state once must pay.
//
// Rows: 10k resources; 10,000 connectors × 5 connections (60k resources, "well under a second");
// 100k resources; and the growth factor 10k → 100k, which must stay ≤ 12× (O(n log n) at
// most: 10× the input costs 10 × log(100k)/log(10k) ≈ 12.5× for n log n, 10× for linear).
//
// The change planned is a mix that exercises every stage: of every 10 connectors, one is deleted
// with its connections, one disabled with its connections, one has its secret rotated (R5 over
// authorized connections), one is renamed and gets a scope (with a connection asking for it),
// one has its connections renamed; and a tenth as many new connectors come with connections.
// BENCH_RUNS runs each (best counts).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { makePlan } from '../dist/plan/core.js';

// Every measurement starts from a collected heap, so that one run does not pay for the garbage
// of the one before (without this, the 100k row mostly measures the 60k row's leftovers).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CONNECTIONS = 5;
const GROWTH_TARGET = 12;
/** The 100k plan within this factor of the floor (structuredClone of both states). */
const PLAN_100K_TARGET = 1.15;

export async function run(report) {
  const sizes = [
    { label: '10k resources', connectors: Math.round(10_000 / (1 + CONNECTIONS) / 1.1) },
    { label: '10,000 connectors × 5 connections', connectors: 10_000 },
    { label: '100k resources', connectors: Math.round(100_000 / (1 + CONNECTIONS) / 1.1) },
  ];
  const best = new Map();
  for (const size of sizes) {
    const input = scenario(size.connectors);
    const resources = union(input.current.state.connectors, input.desired.connectors) + union(input.current.state.connections, input.desired.connections);
    let ms = Infinity;
    let floorMs = Infinity;
    let plan;
    // Interleaved, so that a slow moment of the machine hits floor and subject alike. The small
    // case gets more runs: it is cheap, and its noise would otherwise dominate the growth factor.
    const runs = size.connectors < 5000 ? RUNS * 3 : RUNS;
    for (let i = 0; i < runs; i++) {
      floorMs = Math.min(
        floorMs,
        time(() => structuredClone([input.current.state, input.desired])),
      );
      ms = Math.min(
        ms,
        time(() => (plan = makePlan(input))),
      );
    }
    if (plan.blocked.length || plan.actions.length === 0) throw new Error(`plan bench: unexpected plan (${plan.blocked.length} blocked, ${plan.actions.length} actions)`);
    best.set(size.label, ms);
    report.row(`plan ${size.label}`, {
      ms,
      floorMs,
      ...(size.label === '100k resources' ? { target: PLAN_100K_TARGET } : {}),
      note: `${resources.toLocaleString('en')} resources (target ∪ manifests), ${plan.actions.length.toLocaleString('en')} actions, ${plan.revokedAuthorizations.length.toLocaleString('en')} revocations; floor: structuredClone of both states`,
    });
  }
  const growth = best.get('100k resources') / best.get('10k resources');
  report.row('plan growth 10k → 100k resources', { ratio: growth, target: GROWTH_TARGET, note: 'time(100k) / time(10k); ≤12× is O(n log n)' });
}

function union(a, b) {
  let n = a.size;
  for (const k of b.keys()) if (!a.has(k)) n++;
  return n;
}

function time(fn) {
  gc();
  const start = performance.now();
  fn();
  return performance.now() - start;
}

const auth = (scopes) => ({
  type: 'oauth2',
  grantType: 'authorization_code',
  clientId: '1000.CLIENT',
  authorizeUrl: 'https://accounts.example.com/oauth/authorize',
  accessTokenUrl: 'https://accounts.example.com/oauth/token',
  scopes,
  scopeSeparator: ',',
});

const name = (i) => `c${String(i).padStart(6, '0')}`;

/** A PlanInput over `n` connectors with CONNECTIONS connections each, and the mixed change. */
function scenario(n) {
  const current = { connectors: new Map(), connections: new Map() };
  const desired = { connectors: new Map(), connections: new Map() };
  const secrets = new Map();
  const source = { file: 'bench.yaml', line: 1, col: 1 };
  const connector = (linkName, fingerprint) => ({
    linkName,
    name: `Connector ${linkName}`,
    description: '',
    stage: 'ready',
    enabled: true,
    authentication: auth(['read', 'write']),
    secretFingerprints: { clientSecret: fingerprint },
  });
  for (let i = 0; i < n; i++) {
    const l = name(i);
    const kind = i % 10;
    current.connectors.set(l, connector(l, `fp-${l}`));
    const env = `${l.toUpperCase()}_CLIENT_SECRET`;
    secrets.set(l, { clientSecret: { fromEnv: env, fingerprint: kind === 2 ? `fp-${l}-rotated` : `fp-${l}` } });
    if (kind !== 0) {
      desired.connectors.set(l, {
        linkName: l,
        name: kind === 3 ? `Renamed ${l}` : `Connector ${l}`,
        description: '',
        stage: 'ready',
        enabled: kind !== 1,
        authentication: auth(kind === 3 ? ['read', 'write', 'admin'] : ['read', 'write']),
        secrets: { clientSecret: { fromEnv: env } },
        source,
      });
    }
    for (let j = 0; j < CONNECTIONS; j++) {
      const x = `${l}_x${j}`;
      current.connections.set(x, {
        linkName: x,
        name: `Connection ${x}`,
        connector: l,
        enabled: true,
        scopes: ['read'],
        authorizationOwner: 'admin',
        sameAuthorizationForAllEnvironments: true,
        authorizations: j % 2 ? [{ environment: 'all', account: 'alice' }] : [],
        usages: [],
      });
      if (kind === 0) continue;
      desired.connections.set(x, {
        linkName: x,
        name: kind === 4 ? `Renamed ${x}` : `Connection ${x}`,
        connector: l,
        enabled: kind !== 1,
        scopes: kind === 3 && j === 0 ? ['read', 'admin'] : ['read'],
        authorizationOwner: 'admin',
        sameAuthorizationForAllEnvironments: true,
        source,
      });
    }
  }
  for (let i = n; i < n + Math.ceil(n / 10); i++) {
    const l = name(i);
    const env = `${l.toUpperCase()}_CLIENT_SECRET`;
    desired.connectors.set(l, {
      linkName: l,
      name: `Connector ${l}`,
      description: '',
      stage: 'ready',
      enabled: true,
      authentication: auth(['read', 'write']),
      secrets: { clientSecret: { fromEnv: env } },
      source,
    });
    secrets.set(l, { clientSecret: { fromEnv: env, fingerprint: null } });
    for (let j = 0; j < CONNECTIONS; j++) {
      const x = `${l}_x${j}`;
      desired.connections.set(x, { linkName: x, name: `Connection ${x}`, connector: l, enabled: true, scopes: ['read'], source });
    }
  }
  return {
    desired,
    current: { state: current, serial: 1, digest: 'sha256:bench' },
    secrets,
    allowReplace: false,
    target: 'local:bench.db',
    source: { ref: null, commit: null, manifestDigest: 'sha256:bench' },
  };
}
