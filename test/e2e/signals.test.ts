/**
 * Ctrl-C and SIGTERM during an apply to the local target (docs/apply.md, "The lock"): the real
 * CLI in a child process applies a plan of 2,000 actions; once it has printed progress, the test
 * sends the signal to that process from outside (`process.kill(pid, signal)`). Apply must stop
 * after the action in flight, release the lock, leave a consistent journal, exit 130 / 143, and a
 * rerun must converge. Nothing waits on time: every step waits for output or for an exit.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model/plan.js';
import { planId } from '../../src/model/plan-document.js';
import { openTarget } from '../../src/targets/index.js';
import { writeManifests } from '../apply/support.js';
import { BIN, ensureBuilt } from '../support/dist.js';
import { tempDir } from '../support/target.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => ensureBuilt());
beforeEach(() => {
  tmp = tempDir('connectorops-signals-');
});
afterEach(() => tmp.cleanup());

const ENV: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', CI: '1' };
const T = ['--target', 'local:acct.db'];

function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: tmp.dir, encoding: 'utf8', env: ENV, input: '' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** 1,000 apiKey connectors with two connections each: create, mark ready, two creates = 2,000 actions. */
function bigManifests(): void {
  const files: Record<string, string> = {};
  for (let i = 0; i < 500; i++) {
    files[`connectors/c${i}.yaml`] = `kind: Connector\nlinkName: c${i}\nname: Connector ${i}\nauthentication:\n  type: apiKey\n  parameterKey: key\n`;
    files[`connections/c${i}.yaml`] =
      `kind: Connection\nlinkName: c${i}_a\nname: A ${i}\nconnector: c${i}\n---\nkind: Connection\nlinkName: c${i}_b\nname: B ${i}\nconnector: c${i}\n`;
  }
  writeManifests(tmp.dir, files);
}

describe('a signal during an apply to the local target', () => {
  for (const [signal, exit] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} stops it after the action in flight, releases the lock, exits ${exit}, and a rerun converges`, async () => {
      bigManifests();
      const planned = cli(['plan', ...T, '--out', 'plan.json']);
      expect(planned.code, planned.stderr).toBe(0);
      const plan = JSON.parse(readFileSync(join(tmp.dir, 'plan.json'), 'utf8')) as Plan;
      expect(plan.actions).toHaveLength(2000);

      // One action in flight (one transaction each), as this test's name says: apply's default on
      // a local target commits 64 at a time, which carries the whole plan out in about the time the
      // test takes to read 100 lines and send the signal (groups and signals: test/e2e/apply.test.ts).
      const child = spawn(process.execPath, [BIN, 'apply', 'plan.json', ...T, '--concurrency', '1'], { cwd: tmp.dir, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      // Progress (one line per finished action, without a terminal) goes to stderr: signal the
      // process once it has reported 100 actions done.
      await new Promise<void>((resolve, reject) => {
        let sent = false;
        child.stderr.setEncoding('utf8').on('data', (c: string) => {
          stderr += c;
          if (!sent && (stderr.match(/^✓ a\d+ /gm)?.length ?? 0) >= 100) {
            sent = true;
            process.kill(child.pid!, signal);
            resolve();
          }
        });
        void exited.then(() => reject(new Error(`apply exited before it reported 100 actions done:\n${stderr}`)));
      });
      const code = await exited;

      expect(code, stderr.slice(-2000)).toBe(exit);
      expect(stderr).toContain(`Received ${signal}: starting nothing more`);
      const summary = /Apply cancelled: (\d+) done, 0 failed, (\d+) not started \(of 2000 actions/.exec(stdout);
      expect(summary, stdout.slice(-2000)).not.toBeNull();
      const done = Number(summary![1]);
      expect(done).toBeGreaterThanOrEqual(100);
      expect(done).toBeLessThan(2000);
      expect(done + Number(summary![2])).toBe(2000);

      // The journal is consistent with the state: every action the run started is done (none
      // pending), one serial each, and the target's serial is the last of them.
      const target = await openTarget(`local:${join(tmp.dir, 'acct.db')}`);
      try {
        const journal = await target.journal(planId(plan));
        expect(journal.filter((e) => e.status !== 'done')).toEqual([]);
        expect(journal).toHaveLength(done);
        expect((await target.read()).serial).toBe(done);
      } finally {
        await target.close();
      }

      // The lock was released (no takeover), and the rerun resumes and converges.
      const rerun = cli(['apply', 'plan.json', ...T]);
      expect(rerun.code, rerun.stderr.slice(-2000)).toBe(0);
      expect(rerun.stderr).not.toContain('Took over');
      expect(rerun.stderr).toContain(`${done} of 2000 actions were done by an earlier run`);
      expect(rerun.stdout).toContain('The target now matches the manifests.');
    }, 120_000);
  }
});
