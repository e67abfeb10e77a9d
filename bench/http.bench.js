// http: the same 1,000-action plan as bench/apply.bench.js (BENCH_HTTP_CONNECTORS × 4 actions:
// create, mark ready, two connections), carried out by the apply executor over HTTP against a
// real `connectorops serve` child process (its own local target), next to the floor: the same
// executor on a local target in this process. Rows:
// - over HTTP with concurrency 4 (apply's default for an HTTP target);
// - over HTTP with concurrency 1, to show what the round trips cost one after another;
// - `read()` of the resulting account over HTTP vs. local (what plan does first).
// BENCH_RUNS runs each (best counts). The server is a separate process, as it is in use: its
// transactions and JSON run on its own core, not in the client's event loop.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { executePlan } from '../dist/apply/executor.js';
import { planId } from '../dist/model/plan-document.js';
import { loadForPlan, planAgainst } from '../dist/plan/run.js';
import { openTarget } from '../dist/targets/index.js';
import { writeApplyManifests } from './apply.bench.js';

const CONNECTORS = Number(process.env.BENCH_HTTP_CONNECTORS ?? 250);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TOKEN = 'bench-http-token-0123456789abcdef';
const BIN = fileURLToPath(new URL('../bin/connectorops.js', import.meta.url));
/**
 * Over HTTP with 4 in flight, within this factor of the same executor on a local target (issue
 * 25): the client keeps its connections alive (fetch's pool: no handshake per action), and the
 * server's work per action is the local target's plus parsing one request.
 */
const TARGET = 1.5;

export async function run(report) {
  const dir = fileURLToPath(new URL(`.work/http-${CONNECTORS}`, import.meta.url));
  writeApplyManifests(dir, CONNECTORS);
  const actions = CONNECTORS * 4;
  report.log(`${CONNECTORS} connectors × (create, mark ready, 2 connections) = ${actions} actions; best of ${RUNS}; server: a connectorops serve child process`);

  const best = { local: Infinity, http4: Infinity, http1: Infinity, readLocal: Infinity, readHttp: Infinity, health: Infinity };
  for (let r = 0; r < RUNS; r++) {
    // Interleaved, so that a slow moment of the machine hits floor and subject alike.
    const local = await timedApply(dir, `local:${join(dir, `local-${r}.db`)}`, 1, actions);
    best.local = Math.min(best.local, local.ms);
    best.readLocal = Math.min(best.readLocal, local.readMs);
    for (const concurrency of [4, 1]) {
      const server = await serve(join(dir, `http-${concurrency}-${r}.db`));
      try {
        const out = await timedApply(dir, server.url, concurrency, actions);
        best[`http${concurrency}`] = Math.min(best[`http${concurrency}`], out.ms);
        if (concurrency === 4) best.readHttp = Math.min(best.readHttp, out.readMs);
        if (concurrency === 1) best.health = Math.min(best.health, await roundTrips(server.url, actions));
      } finally {
        await server.stop();
      }
    }
  }
  const per = (ms) => `${((ms / actions) * 1000).toFixed(0)} µs per action`;
  report.row(`apply executor over HTTP, ${actions} actions, concurrency 4`, {
    ms: best.http4,
    floorMs: best.local,
    target: TARGET,
    note: `${per(best.http4)}; floor: the same executor on a local target (${per(best.local)})`,
  });
  report.row(`apply executor over HTTP, ${actions} actions, concurrency 1`, {
    ms: best.http1,
    floorMs: best.local,
    note: `${per(best.http1)}; one round trip after another`,
  });
  report.row(`GET /v1/health × ${actions}, one after another`, {
    ms: best.health,
    note: `${((best.health / actions) * 1000).toFixed(0)} µs per round trip: the network alone (fetch, loopback, another process)`,
  });
  report.row(`read() over HTTP, ${actions / 2}-record account`, { ms: best.readHttp, floorMs: best.readLocal, note: 'floor: read() of a local target (warm)' });
}

/** Plans the manifests against `spec`, then times the executor alone, and one read() after it. */
async function timedApply(dir, spec, concurrency, actions) {
  const env = { CONNECTOROPS_TOKEN: TOKEN };
  const loaded = await loadForPlan({ cwd: dir, dir, target: spec });
  const target = await openTarget(loaded.targetSpec, { name: loaded.targetName, env });
  try {
    const plan = await planAgainst(target, loaded, { allowReplace: false, env: {} });
    if (plan.actions.length !== actions) throw new Error(`http bench: the plan has ${plan.actions.length} actions, not ${actions}`);
    const start = performance.now();
    const result = await executePlan(target, plan, { runId: planId(plan), concurrency, env: {} });
    const ms = performance.now() - start;
    if (result.done.length !== actions) throw new Error(`http bench: ${result.failed.length} actions failed on ${spec}: ${result.failed[0]?.error}`);
    await target.read();
    const r0 = performance.now();
    await target.read();
    return { ms, readMs: performance.now() - r0 };
  } finally {
    await target.close();
  }
}

/** `n` round trips one after another: the network's share of every action. */
async function roundTrips(url, n) {
  const start = performance.now();
  for (let i = 0; i < n; i++) await (await fetch(`${url}/v1/health`)).text();
  return performance.now() - start;
}

/** `connectorops serve --port 0` on a new local target file; resolves with its URL once it listens. */
function serve(file) {
  const child = spawn(process.execPath, [BIN, 'serve', '--target', `local:${file}`, '--port', '0'], {
    env: { ...process.env, CONNECTOROPS_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /^Serving .* on (http:\/\/\S+)$/m.exec(out);
      if (m) resolve({ url: m[1], stop: () => (child.kill('SIGTERM'), exited) });
    });
    void exited.then((code) => reject(new Error(`http bench: serve exited (${code}) before it listened`)));
  });
}
