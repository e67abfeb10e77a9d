// http: the same 1,000-action plan as bench/apply.bench.js (BENCH_HTTP_CONNECTORS × 4 actions:
// create, mark ready, two connections), carried out by the apply executor over HTTP against a
// real `connectorops serve` child process (its own local target), next to the floor: the same
// executor on a local target in this process, at concurrency 1 (one transaction an action, what
// the server's per-action work is held to; the note also gives the local target at concurrency 4,
// where apply commits the actions ready together in one group). Rows:
// - over HTTP with concurrency 4 (apply's default for an HTTP target);
// - over HTTP with concurrency 1, to show what the round trips cost one after another;
// - `read()` of the resulting account over HTTP vs. local (what plan does first).
// BENCH_RUNS runs each (best counts), after BENCH_HTTP_WARMUP runs of each that are not counted.
// The server is a separate process, as it is in use: its transactions and JSON run on its own
// core, not in the client's event loop. And, as in use, it is one long-running process (one per
// concurrency) that serves every run: run r applies 1,000 new actions (connectors r<r>c<i>) to the
// account the runs before it left, on the local floor as over HTTP. A `serve` runs only the HTTP
// runs' code, so V8 optimizes it later than the floor's, which every run of this process
// exercises: over 10 runs in a row the server's CPU an action fell from ~300 to ~130 µs, and the
// client's from ~170 to ~60 µs (quiet machine). With 3 runs and no warm-up the row compared a
// half-warm server with a warm floor; the warm-up runs make both what a long-running `serve` and
// a warm process are (issue 25, sixth round). The note gives run 0 apart: a server that just
// started, against a floor whose process just started too.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { executePlan } from '../dist/apply/executor.js';
import { planId } from '../dist/model/plan-document.js';
import { loadForPlan, planAgainst } from '../dist/plan/run.js';
import { openTarget } from '../dist/targets/index.js';
import { Transport } from '../dist/targets/http/transport.js';
import { writeApplyManifests } from './apply.bench.js';

const CONNECTORS = Number(process.env.BENCH_HTTP_CONNECTORS ?? 250);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Runs of each (the floor, the local target at concurrency 4, both servers) before the counted ones: see above. */
const WARMUP = Number(process.env.BENCH_HTTP_WARMUP ?? 5);
const TOKEN = 'bench-http-token-0123456789abcdef';
const BIN = fileURLToPath(new URL('../bin/connectorops.js', import.meta.url));
/**
 * Over HTTP with 4 in flight, within this factor of the same executor on a local target (issue
 * 25): the client keeps its connections alive (transport.ts: no handshake per action) and sends
 * its actions as lines of one long-lived `POST /v1/actions/stream`, so the server's work per
 * action is the local target's plus reading a line and writing its answer, not a request.
 */
const TARGET = 1.5;

export async function run(report) {
  const dir = fileURLToPath(new URL(`.work/http-${CONNECTORS}`, import.meta.url));
  rmSync(dir, { recursive: true, force: true });
  const manifests = join(dir, 'manifests');
  const actions = CONNECTORS * 4;
  report.log(
    `${CONNECTORS} connectors × (create, mark ready, 2 connections) = ${actions} actions a run, on the account the runs before left; best of ${RUNS} after ${WARMUP} runs not counted (warm-up); server: one connectorops serve child process per concurrency, serving every run`,
  );

  const best = { local: Infinity, local4: Infinity, http4: Infinity, http1: Infinity, readLocal: Infinity, readHttp: Infinity, health: Infinity };
  // CPU time (user + system) of the run with the best wall time: this process (the executor and
  // the client), and the server's.
  const cpu = {};
  const keep = (key, out) => {
    if (out.ms < best[key]) [best[key], cpu[key]] = [out.ms, out.cpu];
  };
  const first = {};
  const servers = {};
  try {
    for (const concurrency of [4, 1]) servers[concurrency] = await serve(join(dir, `http-${concurrency}.db`));
    for (let r = 0; r < WARMUP + RUNS; r++) {
      const counted = r >= WARMUP;
      writeApplyManifests(manifests, CONNECTORS, r);
      // Interleaved, so that a slow moment of the machine hits floor and subject alike.
      const local = await timedApply(manifests, `local:${join(dir, 'local.db')}`, 1, actions, r === 0);
      if (counted) keep('local', local);
      if (r === 0) best.readLocal = local.readMs;
      first.local ??= local.ms;
      // The local target at the subject's concurrency: there the executor commits the actions
      // ready together as one group (apply's group commit), which the floor (one transaction an
      // action, as the server's per-action work was measured against) does not. Shown beside it.
      const local4 = await timedApply(manifests, `local:${join(dir, 'local-4.db')}`, 4, actions, false);
      if (counted) keep('local4', local4);
      for (const concurrency of [4, 1]) {
        const server = servers[concurrency];
        const out = await timedApply(manifests, server.url, concurrency, actions, r === 0 && concurrency === 4, server.cpuMs);
        if (counted) keep(`http${concurrency}`, out);
        first[`http${concurrency}`] ??= out.ms;
        if (r === 0 && concurrency === 4) best.readHttp = out.readMs;
        if (counted && concurrency === 1) best.health = Math.min(best.health, await roundTrips(server.url, actions));
      }
    }
  } finally {
    for (const server of Object.values(servers)) await server.stop();
  }
  const per = (ms) => `${((ms / actions) * 1000).toFixed(0)} µs per action`;
  const cold = (key) => `run 0 (the first of each: the server just started): ${(first[key] / first.local).toFixed(2)}×`;
  const us = (ms) => `${((ms / actions) * 1000).toFixed(0)} µs`;
  const cpuNote = (key) =>
    `CPU per action: ${us(cpu[key].client)} here${cpu[key].server !== undefined ? ` + ${us(cpu[key].server)} in the server` : ''} vs ${us(cpu.local.client)} on the floor`;
  report.row(`apply executor over HTTP, ${actions} actions, concurrency 4`, {
    ms: best.http4,
    floorMs: best.local,
    target: TARGET,
    note: `${per(best.http4)}; floor: the same executor on a local target at concurrency 1 (${per(best.local)}); ${cpuNote('http4')}; ${cold('http4')}; against the local target at concurrency 4 (in groups, ${per(best.local4)}): ${(best.http4 / best.local4).toFixed(2)}×`,
  });
  report.row(`apply executor over HTTP, ${actions} actions, concurrency 1`, {
    ms: best.http1,
    floorMs: best.local,
    note: `${per(best.http1)}; one round trip after another; ${cpuNote('http1')}; ${cold('http1')}`,
  });
  report.row(`GET /v1/health × ${actions}, one after another`, {
    ms: best.health,
    note: `${((best.health / actions) * 1000).toFixed(0)} µs per round trip: the network alone (the client's node:http keep-alive transport, loopback, another process)`,
  });
  report.row(`read() over HTTP, ${actions / 2}-record account`, { ms: best.readHttp, floorMs: best.readLocal, note: 'floor: read() of a local target (warm)' });
}

/** Plans the manifests against `spec`, then times the executor alone, and (`read`) one read() after it. */
async function timedApply(dir, spec, concurrency, actions, read, serverCpuMs) {
  const env = { CONNECTOROPS_TOKEN: TOKEN };
  const loaded = await loadForPlan({ cwd: dir, dir, target: spec });
  const target = await openTarget(loaded.targetSpec, { name: loaded.targetName, env });
  try {
    const plan = await planAgainst(target, loaded, { allowReplace: false, env: {} });
    if (plan.actions.length !== actions) throw new Error(`http bench: the plan has ${plan.actions.length} actions, not ${actions}`);
    // The run id is the plan's hash, made by apply before the executor starts: not the executor's time.
    const runId = planId(plan);
    const server0 = serverCpuMs?.();
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    const result = await executePlan(target, plan, { runId, concurrency, env: {} });
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu0);
    const cpu = { client: (used.user + used.system) / 1000, ...(server0 !== undefined ? { server: serverCpuMs() - server0 } : {}) };
    if (result.done.length !== actions) throw new Error(`http bench: ${result.failed.length} actions failed on ${spec}: ${result.failed[0]?.error}`);
    if (!read) return { ms, cpu };
    // The account of run 0 (the row's name gives its size), read warm: best of RUNS.
    await target.read();
    let readMs = Infinity;
    for (let i = 0; i < RUNS; i++) {
      const r0 = performance.now();
      await target.read();
      readMs = Math.min(readMs, performance.now() - r0);
    }
    return { ms, cpu, readMs };
  } finally {
    await target.close();
  }
}

/** `n` round trips one after another, over the client's own transport: the network's share of every action. */
async function roundTrips(url, n) {
  const transport = new Transport('http:');
  const health = new URL(`${url}/v1/health`);
  try {
    const start = performance.now();
    for (let i = 0; i < n; i++) await transport.send({ method: 'GET', url: health, headers: {}, timeoutMs: 60_000 });
    return performance.now() - start;
  } finally {
    transport.close();
  }
}

/** The CPU time (user + system, ms) process `pid` has used, from /proc (Linux); undefined elsewhere. */
function cpuMsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks: USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
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
      if (m) resolve({ url: m[1], cpuMs: () => cpuMsOf(child.pid), stop: () => (child.kill('SIGTERM'), exited) });
    });
    void exited.then((code) => reject(new Error(`http bench: serve exited (${code}) before it listened`)));
  });
}
