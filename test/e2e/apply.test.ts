/**
 * `connectorops apply` and `connectorops unlock` as a user and a CI job run them: the real CLI
 * (`node bin/connectorops.js`, built into dist/), real git repositories and real SQLite targets
 * in temp dirs, real child processes for the lock holder and for the apply that gets killed.
 * Nothing waits on time: every step waits for a line of output or for a process to exit.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runApply } from '../../src/cli/commands/apply.js';
import type { Plan } from '../../src/model/plan.js';
import { planId } from '../../src/model/plan-document.js';
import { openTarget } from '../../src/targets/index.js';
import { FaultyTarget, SCENARIO_ENV, manifestsV1, memIo, writeManifests } from '../apply/support.js';
import { BIN, ROOT } from '../support/dist.js';
import { runCli, type CliResult } from '../support/in-process-cli.js';
import { tempDir } from '../support/target.js';

let tmp: ReturnType<typeof tempDir>;
const children: ChildProcessWithoutNullStreams[] = [];

beforeEach(() => {
  tmp = tempDir('connectorops-apply-e2e-');
});
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGKILL');
      await new Promise((r) => c.once('exit', r));
    }
  }
  tmp.cleanup();
});

const ENV: NodeJS.ProcessEnv = { ...process.env, ...SCENARIO_ENV, NO_COLOR: '1', CI: '1' };
const T = ['--target', 'local:acct.db'];

function git(...args: string[]): void {
  const r = spawnSync('git', args, {
    cwd: tmp.dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

/** A git repository holding `files`, committed. */
function repo(files: Record<string, string>): void {
  git('init', '-q', '-b', 'main');
  writeManifests(tmp.dir, files);
  writeFileSync(join(tmp.dir, '.gitignore'), '*.db*\n*.json\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'manifests');
}

const cli = (args: string[], env: NodeJS.ProcessEnv = ENV): Promise<CliResult> => runCli(args, { cwd: tmp.dir, env });

interface Proc {
  proc: ChildProcessWithoutNullStreams;
  /** Resolves with the first line (stdout or stderr, seen or to come) that matches. */
  waitFor(match: RegExp): Promise<string>;
  count(match: RegExp): number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function start(command: string[], env: NodeJS.ProcessEnv = ENV): Proc {
  const proc = spawn(process.execPath, command, { cwd: tmp.dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(proc);
  const lines: string[] = [];
  const waiters: Array<{ match: RegExp; resolve: (l: string) => void; reject: (e: Error) => void }> = [];
  const streams = { stdout: '', stderr: '' };
  for (const name of ['stdout', 'stderr'] as const) {
    let buffer = '';
    proc[name].setEncoding('utf8');
    proc[name].on('data', (chunk: string) => {
      streams[name] += chunk;
      buffer += chunk;
      let i: number;
      while ((i = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        lines.push(line);
        for (const w of [...waiters]) {
          if (w.match.test(line)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    proc.on('close', (code, signal) => {
      for (const w of waiters.splice(0))
        w.reject(new Error(`process exited (code ${code}, signal ${signal}) before printing ${w.match}:\n${streams.stdout}\n${streams.stderr}`));
      resolve({ code, signal, ...streams });
    }),
  );
  return {
    proc,
    exited,
    count: (match) => lines.filter((l) => match.test(l)).length,
    waitFor(match) {
      const seen = lines.find((l) => match.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => waiters.push({ match, resolve, reject }));
    },
  };
}

/** A child that holds the target's lock until told `release` (test/fixtures/targets/hold-lock.mjs). */
async function holdLock(file = 'acct.db'): Promise<{ p: Proc; lock: { id: string; holder: string; pid: number } }> {
  const p = start([join(ROOT, 'test/fixtures/targets/hold-lock.mjs'), join(tmp.dir, file), 'apply']);
  const lock = JSON.parse(await p.waitFor(/^\{/)) as { id: string; holder: string; pid: number };
  return { p, lock };
}

async function serial(file = 'acct.db'): Promise<number> {
  const t = await openTarget(`local:${join(tmp.dir, file)}`);
  try {
    return (await t.read()).serial;
  } finally {
    await t.close();
  }
}

async function planTo(file: string, extra: string[] = []): Promise<Plan> {
  const r = await cli(['plan', ...T, '--out', file, ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(readFileSync(join(tmp.dir, file), 'utf8')) as Plan;
}

describe('apply PLANFILE: stale plans', () => {
  it('a plan made on an empty target applies once; applying it a second time is refused as stale (terraform#24078)', async () => {
    repo(manifestsV1());
    const plan = await planTo('plan.json');
    expect(plan.base.stateSerial).toBe(0);
    const first = await cli(['apply', 'plan.json', ...T]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`Apply complete: ${plan.actions.length} done, 0 failed, 0 not started`);
    expect(first.stdout).toContain('The target now matches the manifests.');
    const at = await serial();
    const second = await cli(['apply', 'plan.json', ...T]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`Error: the plan is stale: it was already applied in full (serial 0 → ${at}, by this same plan)`);
    expect(second.stderr).toContain('hint: make a new plan');
    expect(await serial()).toBe(at);
    // The same manifests planned again on the same empty state make the same plan: also refused.
    expect((await cli(['apply', 'plan.json', ...T])).code).toBe(1);
  });

  it('refuses a plan whose manifests changed since it was made, with both digests', async () => {
    repo(manifestsV1());
    const plan = await planTo('plan.json');
    writeFileSync(
      join(tmp.dir, 'connectors/keep2.yaml'),
      `kind: Connector\nlinkName: keep2\nname: Renamed keep2\nauthentication:\n  type: apiKey\n  parameterKey: key\n`,
    );
    git('commit', '-qam', 'rename keep2');
    const r = await cli(['apply', 'plan.json', ...T]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Error: the plan is stale: the manifests changed since the plan was made \(manifest digest sha256:[0-9a-f]{12} → sha256:[0-9a-f]{12}\)/);
    expect(r.stderr).toContain(plan.source.manifestDigest.slice(0, 19));
    expect(await serial()).toBe(0);
  });

  it('refuses a plan when someone else changed the target in between (serial old → new)', async () => {
    repo(manifestsV1());
    expect((await cli(['apply', ...T, '--auto-approve'])).code).toBe(0);
    const at = await serial();
    writeFileSync(join(tmp.dir, 'connections/keep2.yaml'), 'kind: Connection\nlinkName: keep2_a\nname: Renamed keep2_a\nconnector: keep2\n');
    await planTo('plan.json');
    // A person authorizes a connection on the consent screen: the account moved on.
    expect((await cli(['target', 'authorize', 'keep1_a', '--account', 'alice', ...T])).code).toBe(0);
    const r = await cli(['apply', 'plan.json', ...T]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Error: the plan is stale: the target changed since the plan was made (serial ${at} → ${at + 1})`);
  });

  it('refuses a plan made for another target', async () => {
    repo(manifestsV1());
    await planTo('plan.json');
    const r = await cli(['apply', 'plan.json', '--target', 'local:other.db']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error: the plan is stale: it was made for target local:acct.db, not local:other.db');
  });

  it('refuses when a secret changed since the plan, naming the variable and never the value (S2)', async () => {
    repo(manifestsV1());
    // The target exists when the plan is made: its fingerprints are under the target's own key.
    // (A plan of a target that does not exist yet cannot compare them: docs/contract-readings.md.)
    writeFileSync(join(tmp.dir, 'empty.json'), JSON.stringify({ formatVersion: 1, connectors: [], connections: [] }));
    expect((await cli(['target', 'import', 'empty.json', ...T])).code).toBe(0);
    await planTo('plan.json');
    const r = await cli(['apply', 'plan.json', ...T], { ...ENV, KEEP1_SECRET: 'rotated-value-123' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the value of KEEP1_SECRET changed since the plan was made');
    expect(r.stdout + r.stderr).not.toContain('rotated-value-123');
    expect(r.stdout + r.stderr).not.toContain(SCENARIO_ENV.KEEP1_SECRET);
  });

  it('S1: a missing secret variable fails before anything is carried out', async () => {
    repo(manifestsV1());
    await planTo('plan.json');
    const env = { ...ENV };
    delete env.OLD1_SECRET;
    const r = await cli(['apply', 'plan.json', ...T], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Error: S1: environment variable OLD1_SECRET (for connector 'old1') is not set; nothing was carried out");
    expect(await serial()).toBe(0);
  });

  it('resumes a partial run of the same plan, skipping what it did', async () => {
    repo(manifestsV1());
    const plan = await planTo('plan.json');
    // The first run fails at the 6th action (the request never reached the target).
    const io = memIo(tmp.dir, ENV);
    const code = await runApply(['plan.json', ...T], io, {
      handleSignals: false,
      openTarget: async (spec, options) => new FaultyTarget(await openTarget(spec, options), 5, 'before'),
    });
    expect(code).toBe(1);
    expect(io.out()).toMatch(/Apply failed: \d+ done, 1 failed, \d+ not started/);
    const done = Number(/Apply failed: (\d+) done/.exec(io.out())![1]);
    const r = await cli(['apply', 'plan.json', ...T]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Resuming run `);
    expect(r.stderr).toContain(`${done} of ${plan.actions.length} actions were done by an earlier run (serial 0 → ${done}); skipping them.`);
    expect(r.stderr.match(/^↷ /gm)).toHaveLength(done);
    expect(r.stderr.match(/^✓ /gm)).toHaveLength(plan.actions.length - done);
    expect(r.stdout).toContain(`Apply complete: ${plan.actions.length} done (${done} by an earlier run), 0 failed, 0 not started`);
  });

  it("a partial run followed by someone else's change is stale, and says the journal accounts for less", async () => {
    repo(manifestsV1());
    await planTo('plan.json');
    const io = memIo(tmp.dir, ENV);
    await runApply(['plan.json', ...T], io, {
      handleSignals: false,
      openTarget: async (spec, options) => new FaultyTarget(await openTarget(spec, options), 12, 'before'),
    });
    const done = Number(/Apply failed: (\d+) done/.exec(io.out())![1]);
    const snapshot = (await cli(['target', 'export', ...T])).stdout;
    const snap = JSON.parse(snapshot) as { connectors: Array<{ description: string; linkName: string }> };
    snap.connectors[0]!.description = 'edited by hand';
    writeFileSync(join(tmp.dir, 'edited.json'), JSON.stringify(snap));
    expect((await cli(['target', 'import', 'edited.json', '--force', ...T])).code).toBe(0);
    const r = await cli(['apply', 'plan.json', ...T]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the target changed since the plan was made (serial 0 → ${done + 1}) (this plan's own journaled actions account for serial ${done} only)`);
  });
});

describe('git processes', () => {
  it('apply PLANFILE without Deluge code starts no git process, and a plan with code one (each is a share of a large apply, issue 25)', async () => {
    repo(manifestsV1());
    await planTo('plan.json');
    // A `git` first on PATH that writes down how it was called, then runs the real one.
    const bin = join(tmp.dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$*" >> ${JSON.stringify(join(tmp.dir, 'git-calls.log'))}\nexec ${JSON.stringify(realGit())} "$@"\n`, {
      mode: 0o755,
    });
    const env = { ...ENV, PATH: `${bin}:${process.env.PATH ?? ''}` };
    const applied = spawnSync(process.execPath, [BIN, 'apply', 'plan.json', ...T], { cwd: tmp.dir, env, encoding: 'utf8', input: '' });
    expect(applied.status, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('The target now matches the manifests.');
    expect(existsSync(join(tmp.dir, 'git-calls.log')) ? readFileSync(join(tmp.dir, 'git-calls.log'), 'utf8') : '').toBe('');
    // The wrapper is on the path a git lookup takes: a plan names its commit, and with Deluge code
    // it also names the code's files from the repository's root; one git process answers both.
    writeFileSync(join(tmp.dir, 'send.dg'), 'invokeurl [ url: "https://x.example" type: GET connection: "crm_sales" ];\n');
    const planned = spawnSync(process.execPath, [BIN, 'plan', ...T], { cwd: tmp.dir, env, encoding: 'utf8', input: '' });
    expect(planned.status, planned.stderr).toBe(0);
    expect(readFileSync(join(tmp.dir, 'git-calls.log'), 'utf8').trim().split('\n')).toEqual(['rev-parse --show-prefix --verify --quiet HEAD^{commit}']);
  });
});

/** The git this machine runs (a wrapper must not find itself). */
function realGit(): string {
  const found = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('git is not on PATH');
  return found;
}

describe('apply without a plan file', () => {
  it('without a terminal refuses to run unless --auto-approve; shows the plan first; carries nothing out', async () => {
    repo(manifestsV1());
    const r = await cli(['apply', ...T]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('connectorops will perform the following actions');
    expect(r.stderr).toContain('Error: apply needs approval, and there is no terminal to ask on; nothing was carried out');
    expect(r.stderr).toContain('hint: review the plan above and run apply --auto-approve');
    expect(await serial()).toBe(0);
    const ok = await cli(['apply', ...T, '--auto-approve']);
    expect(ok.code, ok.stderr).toBe(0);
    // CI: one line per action, with its duration, on stderr; the summary on stdout.
    expect(ok.stderr).toMatch(/^✓ a1 connector\.create \w+ \(\d+(\.\d)?ms\)$/m);
    expect(ok.stdout).toMatch(/Connections that now need authorization[^\n]*\n {2}- keep1_a\n/);
    const again = await cli(['apply', ...T, '--auto-approve']);
    expect(again).toMatchObject({ code: 0, stdout: 'No changes. The target matches the manifests.\n' });
  });

  it('a blocked plan exits 1 and carries out none of it (R14)', async () => {
    repo(manifestsV1());
    expect((await cli(['apply', ...T, '--auto-approve'])).code).toBe(0);
    const snap = JSON.parse((await cli(['target', 'export', ...T])).stdout) as { connections: Array<{ linkName: string; usages: unknown[] }> };
    snap.connections.find((c) => c.linkName === 'old1_a')!.usages = [{ app: 'sales', component: 'workflow:x', kind: 'deluge-invokeurl' }];
    writeFileSync(join(tmp.dir, 'used.json'), JSON.stringify(snap));
    expect((await cli(['target', 'import', 'used.json', '--force', ...T])).code).toBe(0);
    const at = await serial();
    // The change removes old1 and its connections, but an application uses old1_a.
    spawnSync('git', ['rm', '-q', 'connectors/old1.yaml', 'connections/old1.yaml'], { cwd: tmp.dir });
    const r = await cli(['apply', ...T, '--auto-approve']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Error: the plan is blocked \(\d+ items?\); nothing was carried out/);
    expect(await serial()).toBe(at);
  });

  it('after applying, a plan that is not empty is an error naming what did not converge', async () => {
    repo(manifestsV1());
    await planTo('plan.json');
    const stepper = start([join(ROOT, 'test/fixtures/apply/step-apply.mjs'), 'plan.json', ...T]);
    // Let every action through; at the last one, a person edits the account by hand in Creator,
    // which no lock of ours can stop.
    const total = (JSON.parse(readFileSync(join(tmp.dir, 'plan.json'), 'utf8')) as Plan).actions.length;
    for (let i = 1; i <= total; i++) {
      await stepper.waitFor(new RegExp(`^before ${i} `));
      stepper.proc.stdin.write('go\n');
      await stepper.waitFor(new RegExp(`^after ${i} `));
      if (i === total) {
        const t = await openTarget(`local:${join(tmp.dir, 'acct.db')}`);
        await t.execute({ op: 'connector.update', kind: 'Connector', linkName: 'keep2', set: { name: 'Edited by hand' } }, {});
        await t.close();
      }
      stepper.proc.stdin.write('go\n');
    }
    const done = await stepper.exited;
    expect(done.code).toBe(1);
    expect(done.stdout).toContain(`Apply complete: ${total} done, 0 failed, 0 not started`);
    expect(done.stderr).toContain('Error: the target did not converge; a new plan still has 1 item:\n  - connector.update keep2 (name)\n');
  });
});

describe('lock', () => {
  it('a second apply fails at once, naming the holder and printing the exact unlock command; unlock releases it', async () => {
    repo(manifestsV1());
    const { p, lock } = await holdLock();
    const r = await cli(['apply', ...T, '--auto-approve']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`Error: target local:acct\\.db is locked by ${lock.holder} \\(pid ${lock.pid}\\) since \\S+, for apply \\(lock ${lock.id}\\)`));
    expect(r.stderr).toContain(`connectorops unlock ${lock.id} --target local:acct.db`);
    expect(await serial()).toBe(0);
    // `unlock` with the printed command: 0 released, then 1 no such lock.
    expect(await cli(['unlock', lock.id, ...T])).toMatchObject({ code: 0, stdout: `Released lock ${lock.id} of target local:acct.db.\n` });
    const again = await cli(['unlock', lock.id, ...T]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`holds no lock ${lock.id}`);
    expect((await cli(['apply', ...T, '--auto-approve'])).code).toBe(0);
    p.proc.stdin.end();
    await p.exited;
  });

  it("--lock-timeout waits for the holder, and goes ahead once it releases (release sent on the holder's stdin)", async () => {
    repo(manifestsV1());
    const { p, lock } = await holdLock();
    const apply = start([BIN, 'apply', ...T, '--auto-approve', '--lock-timeout', '120']);
    await apply.waitFor(
      new RegExp(`^Waiting up to 120s for the lock of local:acct\\.db: held by ${lock.holder} \\(pid ${lock.pid}\\) for apply since \\S+ \\(lock ${lock.id}\\)\\.$`),
    );
    expect(await serial()).toBe(0);
    p.proc.stdin.write('release\n');
    await p.waitFor(/^released$/);
    const done = await apply.exited;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('The target now matches the manifests.');
    p.proc.stdin.end();
    await p.exited;
  });

  it('takes over the lock of a dead holder on this machine, and says so', async () => {
    repo(manifestsV1());
    const { p, lock } = await holdLock();
    p.proc.kill('SIGKILL');
    await p.exited;
    const r = await cli(['apply', ...T, '--auto-approve']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(
        `^Took over lock ${lock.id} of local:acct\\.db from ${lock.holder} \\(pid ${lock.pid}, apply since \\S+\\): that process is no longer running\\. New lock: [0-9a-f]+\\.$`,
        'm',
      ),
    );
  });

  for (const [signal, exit] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    it(`releases the lock on ${signal}, after the action in flight, and exits ${exit}`, async () => {
      repo(manifestsV1());
      await planTo('plan.json');
      const stepper = start([join(ROOT, 'test/fixtures/apply/step-apply.mjs'), 'plan.json', ...T]);
      await stepper.waitFor(/^before 1 /);
      stepper.proc.stdin.write('go\n');
      await stepper.waitFor(/^after 1 /);
      stepper.proc.kill(signal);
      await stepper.waitFor(new RegExp(`Received ${signal}: starting nothing more`));
      stepper.proc.stdin.write('go\n');
      const done = await stepper.exited;
      expect(done.code).toBe(exit);
      expect(done.stdout).toMatch(/Apply cancelled: 1 done, 0 failed, \d+ not started/);
      // The lock is free: a new apply (resuming the plan) goes ahead without any takeover.
      const r = await cli(['apply', 'plan.json', ...T]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toContain('Took over');
      expect(r.stderr).toContain('Resuming run');
    });
  }
});

describe('kill -9 in the middle of an apply', () => {
  it('at a random step (before or after the target commits), the rerun takes over the dead lock and converges', async () => {
    repo(manifestsV1());
    const plan = await planTo('plan.json');
    const total = plan.actions.length;
    // Random, but reported, so that a failure can be replayed.
    const k = 1 + Math.floor(Math.random() * (total - 1));
    const point = Math.random() < 0.5 ? 'before' : 'after';
    const stepper = start([join(ROOT, 'test/fixtures/apply/step-apply.mjs'), 'plan.json', ...T]);
    for (let i = 1; ; i++) {
      await stepper.waitFor(new RegExp(`^before ${i} `));
      if (point === 'before' && i === k) break;
      stepper.proc.stdin.write('go\n');
      await stepper.waitFor(new RegExp(`^after ${i} `));
      if (point === 'after' && i === k) break;
      stepper.proc.stdin.write('go\n');
    }
    stepper.proc.kill('SIGKILL');
    const killed = await stepper.exited;
    expect(killed.signal, `k=${k} point=${point}`).toBe('SIGKILL');
    const committed = point === 'after' ? k : k - 1;
    expect(await serial(), `k=${k} point=${point}`).toBe(committed);

    const r = await cli(['apply', 'plan.json', ...T]);
    expect(r.code, `k=${k} point=${point}\n${r.stderr}`).toBe(0);
    expect(r.stderr).toMatch(/^Took over lock [0-9a-f]+ of local:acct\.db from \S+ \(pid \d+, apply since \S+\): that process is no longer running\./m);
    if (committed > 0) expect(r.stderr).toContain(`${committed} of ${total} actions were done by an earlier run`);
    expect(r.stdout).toContain('The target now matches the manifests.');
    expect((await cli(['apply', ...T, '--auto-approve'])).stdout).toBe('No changes. The target matches the manifests.\n');
  });

  it('of the real CLI at a random number of finished actions, on a big plan: the rerun converges', async () => {
    // 100 apiKey connectors with two connections each: 400 actions.
    const files: Record<string, string> = {};
    for (let i = 0; i < 100; i++) {
      files[`connectors/c${i}.yaml`] = `kind: Connector\nlinkName: c${i}\nname: Connector ${i}\nauthentication:\n  type: apiKey\n  parameterKey: key\n`;
      files[`connections/c${i}.yaml`] =
        `kind: Connection\nlinkName: c${i}_a\nname: A ${i}\nconnector: c${i}\n---\nkind: Connection\nlinkName: c${i}_b\nname: B ${i}\nconnector: c${i}\n`;
    }
    repo(files);
    const plan = await planTo('plan.json');
    expect(plan.actions).toHaveLength(400);
    const k = 1 + Math.floor(Math.random() * 300);
    const apply = start([BIN, 'apply', 'plan.json', ...T]);
    // Concurrency 1 on a local target: actions finish in plan order. Wait for the k-th (or the
    // end of the run, if it is faster than us).
    await apply.waitFor(new RegExp(`^✓ ${plan.actions[k - 1]!.id} `)).catch(() => undefined);
    const seen = apply.count(/^✓ a\d+ /);
    apply.proc.kill('SIGKILL');
    await apply.exited;
    const r = await cli(['apply', 'plan.json', ...T]);
    const note = `k=${k}, killed after seeing ${seen} actions done`;
    if (/already applied in full/.test(r.stderr)) {
      // The kill landed after the last action: the plan is done, and applying it again is refused.
      expect(r.code, note).toBe(1);
    } else {
      expect(r.code, `${note}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toContain('The target now matches the manifests.');
    }
    const fresh = await cli(['apply', ...T, '--auto-approve']);
    expect(fresh, note).toMatchObject({ code: 0, stdout: 'No changes. The target matches the manifests.\n' });
  });

  it('inside a group (the local target commits the actions ready together as one transaction): none of the group is in the target; the rerun does each once', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 10; i++) {
      files[`connectors/c${i}.yaml`] = `kind: Connector\nlinkName: c${i}\nname: Connector ${i}\nauthentication:\n  type: apiKey\n  parameterKey: key\n`;
      files[`connections/c${i}.yaml`] = `kind: Connection\nlinkName: c${i}_a\nname: A ${i}\nconnector: c${i}\n`;
    }
    repo(files);
    const plan = await planTo('plan.json');
    const env = { ...ENV, STEP_GROUPS: '1', STEP_GROUPS_MID: '2' };
    const stepper = start([join(ROOT, 'test/fixtures/apply/step-apply.mjs'), 'plan.json', ...T], env);
    const first = (await stepper.waitFor(/^group-before 1 /)).split(' ').slice(2);
    stepper.proc.stdin.write('go\n');
    await stepper.waitFor(/^group-after 1 /);
    stepper.proc.stdin.write('go\n');
    const second = (await stepper.waitFor(/^group-before 2 /)).split(' ').slice(2);
    // The ready actions went together: every connector's create first, then what they unblocked.
    expect(first.length).toBeGreaterThan(1);
    expect(second.length).toBeGreaterThan(1);
    stepper.proc.stdin.write('go\n');
    // Inside group 2's transaction, its first action written, the second not yet: kill -9.
    await stepper.waitFor(/^group-mid 2 /);
    stepper.proc.kill('SIGKILL');
    expect((await stepper.exited).signal).toBe('SIGKILL');

    const runId = planId(plan);
    const journalOf = async () => {
      const t = await openTarget(`local:${join(tmp.dir, 'acct.db')}`);
      try {
        return { journal: await t.journal(runId), serial: (await t.read()).serial };
      } finally {
        await t.close();
      }
    };
    const killed = await journalOf();
    // Group 1 committed whole, group 2 left nothing: no effect, no entry, no serial.
    expect(killed.serial).toBe(first.length);
    expect(killed.journal.map((e) => [e.actionId, e.status]).sort()).toEqual(first.map((id) => [id, 'done']).sort());

    const r = await cli(['apply', 'plan.json', ...T]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${first.length} of ${plan.actions.length} actions were done by an earlier run`);
    expect(r.stdout).toContain('The target now matches the manifests.');
    // Each action once: one entry each, done, serials 1..N.
    const after = await journalOf();
    expect(after.journal.map((e) => e.actionId).sort()).toEqual(plan.actions.map((a) => a.id).sort());
    expect(after.journal.every((e) => e.status === 'done')).toBe(true);
    expect(after.journal.map((e) => e.serial).sort((a, b) => a! - b!)).toEqual(plan.actions.map((_, i) => i + 1));
    expect(after.serial).toBe(plan.actions.length);
  });

  it('SIGTERM while a group is in flight: the group finishes and is reported done, nothing more starts, exit 143', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 6; i++) {
      files[`connectors/c${i}.yaml`] = `kind: Connector\nlinkName: c${i}\nname: Connector ${i}\nauthentication:\n  type: apiKey\n  parameterKey: key\n`;
      files[`connections/c${i}.yaml`] = `kind: Connection\nlinkName: c${i}_a\nname: A ${i}\nconnector: c${i}\n`;
    }
    repo(files);
    const plan = await planTo('plan.json');
    const stepper = start([join(ROOT, 'test/fixtures/apply/step-apply.mjs'), 'plan.json', ...T], { ...ENV, STEP_GROUPS: '1' });
    const first = (await stepper.waitFor(/^group-before 1 /)).split(' ').slice(2);
    stepper.proc.kill('SIGTERM');
    await stepper.waitFor(/Received SIGTERM: starting nothing more/);
    stepper.proc.stdin.write('go\n');
    await stepper.waitFor(/^group-after 1 /);
    stepper.proc.stdin.write('go\n');
    const done = await stepper.exited;
    expect(done.code).toBe(143);
    expect(done.stdout).toContain(`Apply cancelled: ${first.length} done, 0 failed, ${plan.actions.length - first.length} not started`);
    expect(done.stdout).not.toMatch(/^group-before 2 /m);
    expect(done.stderr.match(/^✓ /gm)).toHaveLength(first.length);
    expect(await serial()).toBe(first.length);
  });
});
