/**
 * `connectorops serve` as a user runs it: the real CLI (`node bin/connectorops.js`, built into
 * dist/) serving a real local target on a free port, and the real CLI's plan, apply, target
 * and unlock commands against it with `--target http://127.0.0.1:PORT`, in a temp git repository.
 * Nothing waits on time: every step waits for a line of output or for a process to exit.
 */
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SCENARIO_ENV, manifestsV1, manifestsV2, writeManifests } from '../apply/support.js';
import { killHard, startChild, type Child } from '../support/child.js';
import { BIN, ROOT, ensureBuilt } from '../support/dist.js';
import { runCli, type CliResult } from '../support/in-process-cli.js';
import { git } from '../support/repo.js';
import { act, tempDir } from '../support/target.js';
import { HttpTarget } from '../../src/targets/http/client.js';

const TOKEN = 'e2e-serve-token-4f1c9a7e2b';
const ENV: NodeJS.ProcessEnv = { ...process.env, ...SCENARIO_ENV, NO_COLOR: '1', CI: '1', CONNECTOROPS_TOKEN: TOKEN };

let tmp: ReturnType<typeof tempDir>;
const children: Child[] = [];
/** When each child's stdio closed too ('exit' can come before its last output is read). */
const closed = new WeakMap<Child, Promise<unknown>>();

beforeAll(() => ensureBuilt());
beforeEach(() => {
  tmp = tempDir('connectorops-serve-e2e-');
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.process.exitCode === null && c.process.signalCode === null) await killHard(c);
  tmp.cleanup();
});

/** A node child in the temp dir; its output is read as it comes (this process never blocks on it). */
function start(script: string, args: string[], env: NodeJS.ProcessEnv = ENV): Child {
  const child = startChild(script, args, { cwd: tmp.dir, env });
  children.push(child);
  closed.set(child, once(child.process, 'close'));
  return child;
}

/** The CLI, run to its end, in this process (the server it talks to is a real child). */
const cli = (args: string[], env: NodeJS.ProcessEnv = ENV): Promise<CliResult> => runCli(args, { cwd: tmp.dir, env });

/** How a child ended, with all it printed. */
async function finished(p: Child): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { code } = await p.exited;
  await closed.get(p);
  return { code, stdout: p.lines.join('\n') + (p.lines.length ? '\n' : ''), stderr: p.stderr() };
}

/** `connectorops serve` on a free port over local:acct.db; resolves once it listens. */
async function serve(): Promise<{ server: Child; url: string }> {
  const server = start(BIN, ['serve', '--target', `local:${join(tmp.dir, 'acct.db')}`, '--port', '0']);
  const line = await server.waitFor((l) => l.startsWith('Serving '));
  const m = /^Serving local:(.+) on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
  expect(m, line).not.toBeNull();
  expect(m![1]).toBe(join(tmp.dir, 'acct.db'));
  return { server, url: m![2]! };
}

function repo(files: Record<string, string>): void {
  git(tmp.dir, 'init', '-q', '-b', 'main');
  writeManifests(tmp.dir, files);
  writeFileSync(join(tmp.dir, '.gitignore'), '*.db*\n*.json\n');
  git(tmp.dir, 'add', '-A');
  git(tmp.dir, 'commit', '-q', '-m', 'manifests');
}

function commit(files: Record<string, string>): void {
  git(tmp.dir, 'rm', '-q', '-r', 'connectors', 'connections');
  writeManifests(tmp.dir, files);
  git(tmp.dir, 'add', '-A');
  git(tmp.dir, 'commit', '-q', '-m', 'change');
}

describe('connectorops serve', () => {
  it('refuses to start without CONNECTOROPS_TOKEN, or with one too short to protect anything', async () => {
    const { CONNECTOROPS_TOKEN: _, ...noToken } = ENV;
    const none = await cli(['serve', '--target', 'local:acct.db', '--port', '0'], noToken);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('Error: serve needs a token: CONNECTOROPS_TOKEN is not set');
    expect(none.stderr).toMatch(/hint: set CONNECTOROPS_TOKEN/);
    expect(none.stdout).toBe('');
    const short = await cli(['serve', '--target', 'local:acct.db', '--port', '0'], { ...ENV, CONNECTOROPS_TOKEN: 'abc' });
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('CONNECTOROPS_TOKEN is too short');
    expect((await cli(['serve', '--port', 'eighty'])).stderr).toContain('--port eighty is not a port number');
  });

  it('refuses a port that is in use, with a hint', async () => {
    const { server, url } = await serve();
    const port = new URL(url).port;
    const taken = await cli(['serve', '--target', 'local:other.db', '--port', port]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain(`Error: cannot serve on 127.0.0.1:${port}: the port is in use`);
    server.process.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
  });

  it('plan and apply over HTTP converge; a saved plan applies too; SIGTERM stops the server with exit 0', async () => {
    const { server, url } = await serve();
    const T = ['--target', url];
    repo(manifestsV1());

    const first = await cli(['plan', ...T, '--detailed-exitcode']);
    expect(first.code, first.stderr).toBe(2);
    expect(first.stdout).toContain('Plan: 11 to create, 0 to update, 0 to delete.');

    const applied = await cli(['apply', '--auto-approve', ...T]);
    expect(applied.code, applied.stderr + applied.stdout).toBe(0);
    expect(applied.stdout).toMatch(/Apply complete: \d+ done, 0 failed, 0 not started/);
    const again = await cli(['plan', ...T, '--detailed-exitcode']);
    expect(again.code, again.stderr).toBe(0);

    // People use the account: authorizations that the next change revokes (R5, R13).
    const auth = await cli(['target', 'authorize', 'keep1_a', '--account', 'alice', ...T]);
    expect(auth.code, auth.stderr).toBe(0);
    expect(auth.stdout).toBe("Connection 'keep1_a' is authorized by alice.\n");

    // A reviewed change, saved as a plan file and applied from it (four actions in flight over HTTP).
    commit(manifestsV2());
    const planned = await cli(['plan', ...T, '--out', 'plan.json']);
    expect(planned.code, planned.stderr).toBe(0);
    const fromFile = await cli(['apply', 'plan.json', ...T]);
    expect(fromFile.code, fromFile.stderr + fromFile.stdout).toBe(0);
    expect(fromFile.stdout).toMatch(/revoked/i);
    const converged = await cli(['plan', ...T, '--detailed-exitcode']);
    expect(converged.code, converged.stdout + converged.stderr).toBe(0);
    expect(converged.stdout).toMatch(/No changes/);

    // The served account is the local file: the same export either way.
    const overHttp = await cli(['target', 'export', ...T]);
    const direct = await cli(['target', 'export', '--target', `local:${join(tmp.dir, 'acct.db')}`]);
    expect(overHttp.code, overHttp.stderr).toBe(0);
    expect(overHttp.stdout).toBe(direct.stdout);

    const unlock = await cli(['unlock', 'deadbeef', ...T]);
    expect(unlock.code).toBe(1);
    expect(unlock.stderr).toContain(`target ${url} holds no lock deadbeef`);

    server.process.kill('SIGTERM');
    const stopped = await finished(server);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/Stopped\.\n$/);
    // One line per request (a stream of actions is one, when it ends), and never a secret value or the token.
    expect(stopped.stderr).toMatch(/^POST \/v1\/actions\/stream 200 \d+\.\dms$/m);
    expect(stopped.stderr).toContain('Received SIGTERM');
    for (const secret of [...Object.values(SCENARIO_ENV), TOKEN]) expect(stopped.stderr + stopped.stdout).not.toContain(secret as string);
  });

  it('a held lock: apply over HTTP refuses, naming the holder and the unlock command for the URL it was given', async () => {
    const { server, url } = await serve();
    repo(manifestsV1());
    const holder = start(join(ROOT, 'test/fixtures/targets/hold-lock.mjs'), [join(tmp.dir, 'acct.db'), 'apply']);
    const lock = JSON.parse(await holder.waitFor((l) => l.startsWith('{'))) as { id: string; holder: string; pid: number };
    const refused = await cli(['apply', '--auto-approve', '--target', url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`is locked by ${lock.holder} (pid ${lock.pid})`);
    expect(refused.stderr).toContain(`connectorops unlock ${lock.id} --target ${url}`);
    const unlocked = await cli(['unlock', lock.id, '--target', url]);
    expect(unlocked.code, unlocked.stderr).toBe(0);
    expect(unlocked.stdout).toBe(`Released lock ${lock.id} of target ${url}.\n`);
    holder.process.stdin.end();
    await holder.exited;
    server.process.kill('SIGINT');
    expect((await server.exited).code).toBe(0);
  });

  it('a client without the token is told which variable to set; one with a wrong token, that it was refused', async () => {
    const { server, url } = await serve();
    repo(manifestsV1());
    const { CONNECTOROPS_TOKEN: _, ...noToken } = ENV;
    const none = await cli(['plan', '--target', url], noToken);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`target ${url} is served over HTTP and needs a token: CONNECTOROPS_TOKEN is not set`);
    const wrong = await cli(['plan', '--target', url], { ...ENV, CONNECTOROPS_TOKEN: 'a-wrong-token-of-good-length' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`target ${url} refused the token (HTTP 401)`);
    expect(wrong.stderr).not.toContain('a-wrong-token-of-good-length');
    server.process.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
  });
});

describe('connectorops serve: actions on a stream (issue 25)', () => {
  it('the server is killed (SIGKILL) mid-stream and started again: every action is carried out once, the unanswered ones re-sent', async () => {
    const first = await serve();
    const port = new URL(first.url).port;
    // Retries enough to outlast the restart (the client backs off from 50 ms, doubling).
    const client = new HttpTarget(first.url, { token: TOKEN, retries: 10, retryDelayMs: 50 });
    const run = 'r-killed';
    const total = 120;
    let answered = 0;
    const restarted: { listening?: Promise<string> } = {};
    const results: Array<{ serial: number }> = [];
    // Four in flight at a time, as apply's executor keeps them; the kill comes after 30 answers,
    // while the stream has actions in flight.
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        results[i] = await client.execute(act.createConnector(`c${i}`), {}, { runId: run, actionId: `a${i}` });
        if (++answered === 30) {
          first.server.process.kill('SIGKILL');
          restarted.listening = first.server.exited.then(() =>
            start(BIN, ['serve', '--target', `local:${join(tmp.dir, 'acct.db')}`, '--port', port]).waitFor((l) => l.startsWith('Serving ')),
          );
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    await restarted.listening;
    expect(results.map((r) => r.serial).sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const entries = await client.journal(run);
    const done = entries.filter((e) => e.status === 'done').map((e) => e.actionId);
    expect(new Set(done).size).toBe(total);
    expect(done).toHaveLength(total);
    expect((await client.read()).serial).toBe(total);
    await client.close();
  });
});

describe('connectorops serve against hostile clients (issue 13)', () => {
  it('refuses a predictable token, however long', async () => {
    for (const weak of ['aaaaaaaaaaaaaaaa', '1212121212121212121212']) {
      const r = await cli(['serve', '--target', 'local:acct.db', '--port', '0'], { ...ENV, CONNECTOROPS_TOKEN: weak });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^Error: CONNECTOROPS_TOKEN is too predictable to protect a target \(\d different characters; at least 8\)/);
      expect(r.stderr).not.toContain(weak);
    }
  });

  it('answers 401 to every unauthenticated route, known or not, and never shows the server its own file path', async () => {
    const { url } = await serve();
    for (const [method, path] of [
      ['GET', '/v1/nope'],
      ['DELETE', '/v1/state'],
      ['GET', '/admin'],
      ['POST', '/v1/actions'],
    ] as const) {
      const res = await fetch(url + path, { method });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe('missing or wrong bearer token');
    }
    expect((await fetch(`${url}/v1/health`)).status).toBe(200);
    // A 400 from the target (importing over a non-empty account) names no path on the server's disk.
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const snapshot = {
      formatVersion: 1,
      connectors: [{ linkName: 'crm', name: 'CRM', stage: 'ready', enabled: true, authentication: { type: 'basic' } }],
      connections: [],
    };
    expect((await fetch(`${url}/v1/snapshot`, { method: 'PUT', headers: auth, body: JSON.stringify(snapshot) })).status).toBe(204);
    const again = await fetch(`${url}/v1/snapshot`, { method: 'PUT', headers: auth, body: JSON.stringify(snapshot) });
    expect(again.status).toBe(400);
    const text = await again.text();
    expect(text).toContain('is not empty');
    expect(text).not.toContain(tmp.dir);
    expect(text).not.toContain('acct.db');
  });

  it('closes connections beyond its limit, and connections that never finish their headers', async () => {
    const { startServer } = await import('../../src/targets/http/server.js');
    const { LocalTarget } = await import('../../src/targets/local/local-target.js');
    const { connect } = await import('node:net');
    const target = LocalTarget.open(join(tmp.dir, 'limits.db'));
    const running = await startServer({ target, token: TOKEN, port: 0, log: () => {}, maxConnections: 3, headersTimeoutMs: 3000 });
    try {
      // Each socket's close is awaited from the moment it opens: on a busy machine a slow one can be
      // dropped (header time up) before the test gets to wait for it, and a late listener never hears it.
      // The header time (3 s) leaves room to open all four before the first slow one is dropped.
      // Each reads what it is sent, as a real client does: a slow one may get Node's own 408 before
      // the server drops it, and a socket that leaves those bytes unread never sees the end of the
      // stream, so it never closes (it hung in CI, one run in five on a loaded machine).
      const open = async () => {
        const socket = connect(running.port, '127.0.0.1');
        const received: Buffer[] = [];
        socket.on('data', (d: Buffer) => received.push(d));
        const closed = once(socket, 'close');
        await once(socket, 'connect');
        socket.write('GET /v1/health HTTP/1.1\r\nHost: x\r\n'); // headers never finished
        return { socket, closed, answered: () => Buffer.concat(received).toString() };
      };
      const slow = [await open(), await open(), await open()];
      // The fourth is over the limit: closed by the server without an answer.
      const extra = await open();
      await extra.closed;
      expect(extra.answered()).toBe('');
      // The slow ones are dropped when their header time is up (408), freeing the server for others.
      await Promise.all(slow.map((s) => s.closed));
      const res = await fetch(`${running.url}/v1/health`);
      expect(res.status).toBe(200);
    } finally {
      await running.close();
      await target.close();
    }
  });
});
