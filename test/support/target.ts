/**
 * Helpers for tests of the local target: real SQLite files in temp dirs, readable actions, and
 * "refused and changed nothing" assertions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { TargetError } from '../../src/errors.js';
import type { ActionBody, ConnectionSpec, ConnectorSpec } from '../../src/model/actions.js';
import type { Authentication, SecretName, State } from '../../src/model/types.js';
import { LocalTarget } from '../../src/targets/local/local-target.js';
import { stateToSnapshot } from '../../src/targets/snapshot.js';
import { oauth2 } from './builders.js';

/** A fresh temp directory, removed by `cleanup()`. */
export function tempDir(prefix = 'connectorops-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Opens a LocalTarget on a new file in `dir`, optionally holding `state` (imported). */
export async function openLocal(dir: string, state?: State, file = 'local.db'): Promise<LocalTarget> {
  const target = LocalTarget.open(join(dir, file));
  if (state) await target.importSnapshot(stateToSnapshot(state));
  return target;
}

/** Readable actions. */
export const act = {
  createConnector(linkName: string, authentication: Authentication = oauth2(), spec: Partial<ConnectorSpec> = {}): ActionBody {
    return {
      op: 'connector.create',
      kind: 'Connector',
      linkName,
      spec: { name: `Connector ${linkName}`, description: '', authentication, secrets: {}, ...spec },
    };
  },
  updateConnector(linkName: string, set: Partial<ConnectorSpec>): ActionBody {
    return { op: 'connector.update', kind: 'Connector', linkName, set };
  },
  markReady: (linkName: string): ActionBody => ({ op: 'connector.markReady', kind: 'Connector', linkName }),
  enableConnector: (linkName: string): ActionBody => ({ op: 'connector.enable', kind: 'Connector', linkName }),
  disableConnector: (linkName: string): ActionBody => ({ op: 'connector.disable', kind: 'Connector', linkName }),
  deleteConnector: (linkName: string): ActionBody => ({ op: 'connector.delete', kind: 'Connector', linkName }),
  createConnection(linkName: string, connector: string, scopes: string[] = [], name = `Connection ${linkName}`, settings: Partial<ConnectionSpec> = {}): ActionBody {
    return { op: 'connection.create', kind: 'Connection', linkName, spec: { name, connector, scopes, ...settings } };
  },
  updateConnection(linkName: string, set: { name?: string; scopes?: string[]; sameAuthorizationForAllEnvironments?: boolean; access?: string[] }): ActionBody {
    return { op: 'connection.update', kind: 'Connection', linkName, set };
  },
  enableConnection: (linkName: string): ActionBody => ({ op: 'connection.enable', kind: 'Connection', linkName }),
  disableConnection: (linkName: string): ActionBody => ({ op: 'connection.disable', kind: 'Connection', linkName }),
  deleteConnection: (linkName: string): ActionBody => ({ op: 'connection.delete', kind: 'Connection', linkName }),
};

/** The secret names a spec refers to, as a plan would carry them. */
export function secretRefs(...names: SecretName[]): ConnectorSpec['secrets'] {
  return Object.fromEntries(names.map((n) => [n, { fromEnv: `X_${n.toUpperCase()}`, fingerprint: null }]));
}

/** What the target holds, to compare before and after. */
export async function contents(target: LocalTarget): Promise<{ serial: number; snapshot: string }> {
  const serial = await target.serial();
  const snapshot = JSON.stringify(await target.exportSnapshot());
  return { serial, snapshot };
}

/**
 * Executes `action` and expects the target to refuse it with `rule`, a message matching
 * `message`, and no change at all (serial and export identical). Returns the error.
 */
export async function expectRefused(
  target: LocalTarget,
  action: ActionBody,
  rule: string,
  message: string | RegExp,
  secrets: Partial<Record<SecretName, string>> = {},
): Promise<TargetError> {
  const before = await contents(target);
  const error = await target.execute(action, secrets).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected ${action.op} ${action.linkName} to be refused with ${rule}`).toBeInstanceOf(TargetError);
  const e = error as TargetError;
  expect(e.details.rule).toBe(rule);
  if (typeof message === 'string') expect(e.message).toBe(message);
  else expect(e.message).toMatch(message);
  expect(await contents(target)).toEqual(before);
  return e;
}

/** A ready, enabled OAuth2 connector `linkName` made through actions, with its client secret set. */
export async function readyConnector(target: LocalTarget, linkName: string, authentication: Authentication = oauth2(), secret = `secret-of-${linkName}`): Promise<void> {
  const secrets: Partial<Record<SecretName, string>> =
    authentication.type === 'oauth2' ? { clientSecret: secret } : authentication.type === 'oauth1' ? { consumerSecret: secret } : {};
  await target.execute(act.createConnector(linkName, authentication, { secrets: secretRefs(...(Object.keys(secrets) as SecretName[])) }), secrets);
  await target.execute(act.markReady(linkName));
}
