/**
 * Support for the apply tests: an in-memory Io, a fault-injecting Target decorator around the
 * real LocalTarget, and a scenario generator (manifests + a seeded target) whose plan holds a mix
 * of every kind of action. No mocks of our modules: the decorator delegates every call to the
 * real target and only adds a failure where the test asks for one.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { Io } from '../../src/cli/io.js';
import { TargetError } from '../../src/errors.js';
import type { ActionBody } from '../../src/model/actions.js';
import type { Authorization, SecretName } from '../../src/model/types.js';
import type { AuthorizationWhere } from '../../src/model/authorizations.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import { openTarget } from '../../src/targets/index.js';
import type {
  ExecuteResult,
  JournalContext,
  JournalEntry,
  LockInfo,
  LockRequest,
  RolloutEvent,
  StateSnapshot,
  StoredRollout,
  Target,
  TargetInfo,
  TargetMode,
} from '../../src/targets/target.js';

export interface MemIo extends Io {
  out(): string;
  err(): string;
}

/** An Io whose stdout/stderr are captured; stdin is empty and not a TTY unless `stdin` is given. */
export function memIo(cwd: string, env: NodeJS.ProcessEnv, stdin?: NodeJS.ReadableStream & { isTTY?: boolean }): MemIo {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (c: Buffer) => (o += c.toString('utf8')));
  err.on('data', (c: Buffer) => (e += c.toString('utf8')));
  return {
    stdout: out,
    stderr: err,
    stdin: stdin ?? Readable.from([]),
    env,
    cwd,
    out: () => o,
    err: () => e,
  };
}

export type FaultMode =
  /** The request never reached the target (a connection refused): nothing changed. */
  | 'before'
  /** The target committed the action, and the answer was lost (a connection dropped). */
  | 'after';

/** What the decorator saw: every action that reached the real target, and what it held after it. */
export interface Observed {
  executed: ActionBody[];
  /** The state after each action that reached the target (read through the real target). */
  afterEach: StateSnapshot[];
}

/**
 * The real target, with a failure injected on the `failAt`-th call of `execute` (0-based), of
 * the given mode. Every other call is passed through as is.
 */
export class FaultyTarget implements Target {
  private calls = 0;
  readonly observed: Observed = { executed: [], afterEach: [] };

  constructor(
    private readonly inner: Target,
    private readonly failAt: number,
    private readonly mode: FaultMode,
    private readonly watch = true,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  read(): Promise<StateSnapshot> {
    return this.inner.read();
  }

  serial(): Promise<number> {
    return this.inner.serial();
  }

  fingerprintSecrets(values: string[]): Promise<string[]> {
    return this.inner.fingerprintSecrets(values);
  }

  async execute(action: ActionBody, secrets: Partial<Record<SecretName, string>>, journal?: JournalContext): Promise<ExecuteResult> {
    const call = this.calls++;
    if (call === this.failAt && this.mode === 'before') {
      throw new TargetError(`injected fault: the request for ${action.op} ${action.linkName} never reached the target`, { status: 503 });
    }
    const result = await this.inner.execute(action, secrets, journal);
    this.observed.executed.push(action);
    if (this.watch) this.observed.afterEach.push(await this.inner.read());
    if (call === this.failAt && this.mode === 'after') {
      throw new TargetError(`injected fault: the answer to ${action.op} ${action.linkName} was lost`, { status: 502 });
    }
    return result;
  }

  journal(runId: string): Promise<JournalEntry[]> {
    return this.inner.journal(runId);
  }

  acquireLock(request: LockRequest, options?: { timeoutMs?: number }): Promise<LockInfo & { tookOverFrom?: LockInfo }> {
    return this.inner.acquireLock(request, options);
  }

  releaseLock(id: string): Promise<void> {
    return this.inner.releaseLock(id);
  }

  forceUnlock(id: string): Promise<boolean> {
    return this.inner.forceUnlock(id);
  }

  exportSnapshot(): Promise<Snapshot> {
    return this.inner.exportSnapshot();
  }

  importSnapshot(snapshot: Snapshot, options?: { force?: boolean }): Promise<void> {
    return this.inner.importSnapshot(snapshot, options);
  }

  authorize(connection: string, account: string, journal?: JournalContext, where?: AuthorizationWhere): Promise<void> {
    return this.inner.authorize(connection, account, journal, where);
  }
  deauthorize(connection: string, where?: AuthorizationWhere): Promise<Authorization[]> {
    return this.inner.deauthorize(connection, where);
  }

  info(): Promise<TargetInfo> {
    return this.inner.info();
  }

  initialize(mode: TargetMode, account: string | null): Promise<void> {
    return this.inner.initialize(mode, account);
  }

  openRollout(id: string, document: unknown, opened: RolloutEvent): Promise<void> {
    return this.inner.openRollout(id, document, opened);
  }

  currentRollout(): Promise<StoredRollout | null> {
    return this.inner.currentRollout();
  }

  closeRollout(id: string, event: RolloutEvent): Promise<void> {
    return this.inner.closeRollout(id, event);
  }

  rollouts(): Promise<StoredRollout[]> {
    return this.inner.rollouts();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Scenario: manifests v1 (seeded into the target), then v2 (the desired state under test).

export const SCENARIO_ENV: NodeJS.ProcessEnv = {
  OLD1_SECRET: 'old-one-s3cret-value',
  KEEP1_SECRET: 'keep-one-s3cret-value',
  NEW_SECRET: 'new-connectors-s3cret-value',
};

function oauth2Connector(linkName: string, env: string, extra: { clientId?: string; scopes?: string[]; enabled?: boolean } = {}): string {
  return `kind: Connector
linkName: ${linkName}
name: Connector ${linkName}
enabled: ${extra.enabled ?? true}
authentication:
  type: oauth2
  grantType: authorization_code
  clientId: ${extra.clientId ?? `1000.${linkName.toUpperCase()}`}
  clientSecret: { fromEnv: ${env} }
  authorizeUrl: https://accounts.example.com/oauth/authorize
  accessTokenUrl: https://accounts.example.com/oauth/token
  scopes: [${(extra.scopes ?? ['contacts.read', 'contacts.write']).join(', ')}]
`;
}

function connection(linkName: string, connector: string, extra: { name?: string; scopes?: string[]; enabled?: boolean } = {}): string {
  return `kind: Connection
linkName: ${linkName}
name: ${extra.name ?? `Connection ${linkName}`}
connector: ${connector}
enabled: ${extra.enabled ?? true}
${extra.scopes ? `scopes: [${extra.scopes.join(', ')}]\n` : ''}`;
}

/** The accounts in place before the change: what a live Creator account would look like. */
export function manifestsV1(): Record<string, string> {
  return {
    'connectors/old1.yaml': oauth2Connector('old1', 'OLD1_SECRET'),
    'connectors/keep1.yaml': oauth2Connector('keep1', 'KEEP1_SECRET'),
    'connectors/keep2.yaml': `kind: Connector\nlinkName: keep2\nname: Connector keep2\nauthentication:\n  type: apiKey\n  parameterKey: key\n`,
    'connectors/keep3.yaml': `kind: Connector\nlinkName: keep3\nname: Connector keep3\nenabled: false\nauthentication:\n  type: basic\n`,
    'connections/old1.yaml': [connection('old1_a', 'old1', { scopes: ['contacts.read'] }), connection('old1_b', 'old1', { scopes: ['contacts.read'] })].join('---\n'),
    'connections/keep1.yaml': [
      connection('keep1_a', 'keep1', { scopes: ['contacts.read', 'contacts.write'] }),
      connection('keep1_b', 'keep1', { scopes: ['contacts.read'] }),
      connection('keep1_c', 'keep1', { scopes: ['contacts.read'] }),
    ].join('---\n'),
    'connections/keep2.yaml': connection('keep2_a', 'keep2'),
    'connections/keep3.yaml': connection('keep3_a', 'keep3', { enabled: false }),
  };
}

/** The reviewed change: deletes, revoking updates, disables, enables and new connectors. */
export function manifestsV2(newConnectors = 5): Record<string, string> {
  const files: Record<string, string> = {
    // old1 and its connections are gone: 2× connection.delete, connector.delete.
    'connectors/keep1.yaml': oauth2Connector('keep1', 'KEEP1_SECRET', { clientId: '1000.KEEP1-ROTATED' }), // R5
    'connectors/keep2.yaml': `kind: Connector\nlinkName: keep2\nname: Connector keep2\nenabled: false\nauthentication:\n  type: apiKey\n  parameterKey: key\n`,
    'connectors/keep3.yaml': `kind: Connector\nlinkName: keep3\nname: Connector keep3\nauthentication:\n  type: basic\n`,
    'connections/keep1.yaml': [
      connection('keep1_a', 'keep1', { scopes: ['contacts.read'] }), // R13
      connection('keep1_b', 'keep1', { name: 'Renamed keep1_b', scopes: ['contacts.read'] }),
      // keep1_c is gone: connection.delete
    ].join('---\n'),
    'connections/keep2.yaml': connection('keep2_a', 'keep2', { enabled: false }), // R15 impact
    'connections/keep3.yaml': connection('keep3_a', 'keep3'),
  };
  for (let i = 1; i <= newConnectors; i++) {
    files[`connectors/new${i}.yaml`] = oauth2Connector(`new${i}`, 'NEW_SECRET');
    const conns =
      i === newConnectors
        ? [connection(`new${i}_a`, `new${i}`, { scopes: ['contacts.read'] })]
        : [connection(`new${i}_a`, `new${i}`, { scopes: ['contacts.read'] }), connection(`new${i}_b`, `new${i}`)];
    files[`connections/new${i}.yaml`] = conns.join('---\n');
  }
  return files;
}

/** The resources the desired state (v2) keeps: none of them may ever be deleted. */
export function keptByV2(newConnectors = 5): { connectors: Set<string>; connections: Set<string> } {
  const connectors = new Set(['keep1', 'keep2', 'keep3']);
  const connections = new Set(['keep1_a', 'keep1_b', 'keep2_a', 'keep3_a']);
  for (let i = 1; i <= newConnectors; i++) {
    connectors.add(`new${i}`);
    connections.add(`new${i}_a`);
    if (i !== newConnectors) connections.add(`new${i}_b`);
  }
  return { connectors, connections };
}

export function writeManifests(dir: string, files: Record<string, string>): void {
  mkdirSync(join(dir, 'connectors'), { recursive: true });
  mkdirSync(join(dir, 'connections'), { recursive: true });
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
}

/**
 * Seeds a target with v1 the way a user would have (an apply), then makes it look lived in:
 * authorized connections (R5/R13 then revoke something) and usages on connections the change
 * keeps (R15). The target file can then be copied to give every case the same starting point
 * (same fingerprint key, so the same plan).
 */
export async function seedTarget(targetFile: string, applyV1: () => Promise<number>): Promise<void> {
  const code = await applyV1();
  if (code !== 0) throw new Error(`seeding v1 failed with exit ${code}`);
  const target = await openTarget(`local:${targetFile}`);
  try {
    await target.authorize('keep1_a', 'alice');
    await target.authorize('keep1_b', 'bob');
    await target.authorize('old1_a', 'carol');
    const snap = await target.exportSnapshot();
    for (const c of snap.connections) {
      if (c.linkName === 'keep1_a') c.usages = [{ app: 'sales', component: 'workflow:send_invoice', kind: 'deluge-invokeurl' }];
      if (c.linkName === 'keep2_a') c.usages = [{ app: 'ops', component: 'page:dashboard', kind: 'page-panel' }];
    }
    await target.importSnapshot(snap, { force: true });
  } finally {
    await target.close();
  }
}

/** Copies a closed local target file (WAL checkpointed on close) to `to`. */
export function copyTarget(from: string, to: string): void {
  copyFileSync(from, to);
}
