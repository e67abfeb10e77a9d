/**
 * Rollouts' edge: the only part of src/rollout that talks to a target. Opening a rollout (apply on
 * a ledger), reading the open one, recording confirmed steps through the target's journaled
 * `execute` and `authorize` (the same rule checks as a simulated target's apply), abandoning.
 */
import { randomBytes } from 'node:crypto';
import { TargetError, UserError } from '../errors.js';
import type { Plan } from '../model/plan.js';
import type { SecretName } from '../model/types.js';
import { orderedEnvironments, type AuthorizationWhere } from '../model/authorizations.js';
import type { Authorization, ConnectionRecord, Environment } from '../model/types.js';
import { sanitizeTerminal } from '../util/terminal.js';
import { actionSecrets } from '../model/actions.js';
import { readSecrets } from '../model/own.js';
import { fingerprintsComparable } from '../model/fingerprint.js';
import { planId } from '../model/plan-document.js';
import type { JournaledExecutor, JournalReader, RolloutEvent, RolloutStore, StateReader } from '../targets/target.js';
import {
  checkDoneRequest,
  isComplete,
  newRolloutId,
  remainingSteps,
  rolloutFrom,
  type LedgerEvent,
  type Rollout,
  type RolloutDocument,
  type RolloutStep,
} from './model.js';
import { agree } from '../util/text.js';

/** The open rollout of `target`, with its done steps, or null. */
export async function openRolloutOf(target: RolloutStore): Promise<Rollout | null> {
  const stored = await target.currentRollout();
  if (!stored) return null;
  return rolloutFrom(stored, await target.journal(stored.id));
}

/** Every rollout of `target`, oldest first, with its done steps. */
export async function allRollouts(target: RolloutStore): Promise<Rollout[]> {
  const stored = await target.rollouts();
  return Promise.all(stored.map(async (s) => rolloutFrom(s, await target.journal(s.id))));
}

/** The open rollout, or a UserError saying there is none. */
export async function requireOpenRollout(target: RolloutStore): Promise<Rollout> {
  const rollout = await openRolloutOf(target);
  if (!rollout) {
    throw new UserError(`target ${target.name} has no open rollout`, {
      hint: 'on a ledger target, connectorops apply opens one; connectorops rollout log shows past rollouts',
    });
  }
  return rollout;
}

/** Opens a rollout for `plan` (apply on a ledger target, under its lock). */
export async function openRolloutFor(target: RolloutStore, plan: Plan, by: string, now: Date = new Date()): Promise<Rollout> {
  const id = newRolloutId(() => randomBytes(3).toString('hex'));
  const document: RolloutDocument = { formatVersion: 1, id, planId: planId(plan), plan };
  const opened: RolloutEvent = { type: 'opened', by, at: now.toISOString() };
  await target.openRollout(id, document, opened);
  return rolloutFrom({ id, document, open: true, events: [opened] }, []);
}

/** What recording a rollout's steps uses: the rollout, the secrets' fingerprints, the journaled execution. */
export type RolloutRecorder = RolloutStore & StateReader & JournaledExecutor;

export interface DoneOptions {
  by: string;
  note?: string;
  env: NodeJS.ProcessEnv;
  /** Told after each step is recorded. */
  onRecorded?: (step: RolloutStep) => void;
}

export interface DoneResult {
  recorded: RolloutStep[];
  /** The rollout after them (re-read from the target). */
  rollout: Rollout;
  /** Every step is done: the rollout was closed. */
  closed: boolean;
}

/**
 * Records `requested` steps as done, in the rollout's order: dependencies first (checkDoneRequest),
 * then every secret the actions set must be in the environment (its fingerprint is recorded, S1),
 * then each step through the target: an action through `execute`, an authorization through
 * `authorize`, journaled with who and the note. A step that breaks a rule is refused with a hint
 * that the ledger and Creator may have diverged; the steps before it stay recorded. When the last
 * step is done, the rollout is closed.
 */
export async function recordDone(target: RolloutRecorder, rollout: Rollout, requested: readonly string[], options: DoneOptions): Promise<DoneResult> {
  const steps = checkDoneRequest(rollout, requested);
  const secrets = new Map<string, Partial<Record<SecretName, string>>>();
  const missing: string[] = [];
  const secret = readSecrets(options.env);
  for (const step of steps) {
    if (step.kind !== 'action') continue;
    const values: Partial<Record<SecretName, string>> = {};
    for (const [name, ref] of actionSecrets(step.action)) {
      const value = secret(ref.fromEnv);
      if (value === undefined) missing.push(`${ref.fromEnv} (step ${step.id}, ${name} of connector '${step.action.linkName}')`);
      else values[name] = value;
    }
    secrets.set(step.id, values);
  }
  if (missing.length) {
    throw new UserError(`${agree(missing.length, 'environment variable')} ${missing.join(', ')} ${agree(missing.length, 'is', 'are')} not set; nothing was recorded`, {
      rule: 'S1',
      hint: 'a step that sets a secret records its fingerprint: export the variable that holds the value pasted in Creator, and run rollout done again',
    });
  }
  await refuseOtherSecrets(target, steps, secrets);

  const recorded: RolloutStep[] = [];
  for (const step of steps) {
    const journal = { runId: rollout.id, actionId: step.id, by: options.by, ...(options.note !== undefined ? { note: options.note } : {}) };
    try {
      if (step.kind === 'action') await target.execute(step.action, secrets.get(step.id) ?? {}, journal);
      else if (step.everyUser) await target.authorize(step.connection, options.by, journal, { announced: true });
      else await target.authorize(step.connection, step.account ?? options.by, journal, step.environment !== undefined ? { environment: step.environment } : {});
    } catch (error) {
      if (error instanceof TargetError && error.details.rule) {
        const before = recorded.length ? ` (${recorded.map((s) => s.id).join(', ')} ${agree(recorded.length, 'was', 'were')} recorded before it)` : '';
        throw new TargetError(`step ${step.id} cannot be recorded: ${error.message}${before}`, {
          rule: error.details.rule,
          hint: `the ledger refuses what Creator would refuse: check the account in Creator. The ledger and Creator may have diverged (a change made by hand, or a step recorded that was not done); connectorops rollout log shows what was recorded`,
          cause: error,
        });
      }
      throw error;
    }
    recorded.push(step);
    options.onRecorded?.(step);
  }
  const after = await requireOpenRollout(target);
  if (isComplete(after)) {
    await target.closeRollout(after.id, { type: 'closed', by: options.by, at: new Date().toISOString() });
    return { recorded, rollout: { ...after, open: false }, closed: true };
  }
  return { recorded, rollout: after, closed: false };
}

/**
 * A step that sets a secret records the fingerprint of the value in the environment now: it must
 * be the value the plan was made with (the one the person pasted in Creator), as apply refuses a
 * stale plan. Otherwise the ledger would hold another secret than Creator, and the next plan would
 * propose the same revoking update again. Names the variable, never its value (S2).
 */
async function refuseOtherSecrets(target: StateReader, steps: readonly RolloutStep[], values: ReadonlyMap<string, Partial<Record<SecretName, string>>>): Promise<void> {
  const checks: Array<{ step: string; name: SecretName; connector: string; fromEnv: string; planned: string; value: string }> = [];
  for (const step of steps) {
    if (step.kind !== 'action') continue;
    for (const [name, ref] of actionSecrets(step.action)) {
      const value = values.get(step.id)?.[name];
      if (ref.fingerprint !== null && value !== undefined)
        checks.push({ step: step.id, name, connector: step.action.linkName, fromEnv: ref.fromEnv, planned: ref.fingerprint, value });
    }
  }
  if (!checks.length) return;
  const now = await target.fingerprintSecrets(checks.map((c) => c.value));
  // A plan made before the target existed has fingerprints under another key: not comparable.
  const differ = checks.filter((c, i) => fingerprintsComparable(now[i]!, c.planned) && now[i] !== c.planned);
  if (!differ.length) return;
  const list = [...new Set(differ.map((c) => `${c.fromEnv} (step ${c.step}, ${c.name} of connector '${c.connector}')`))];
  throw new UserError(`the value of ${list.join(', ')} is not the one the rollout's plan was made with; nothing was recorded`, {
    hint: `export the value that was pasted in Creator (the plan's) and run the step again; if the secret changed since, abandon the rollout (connectorops rollout abandon) and apply again`,
  });
}

/**
 * The journal run of a ledger's changes made outside any rollout (`target authorize`): each entry
 * holds who recorded it and when, and, as its note, the account that authorized. `rollout log`
 * shows them with the rollouts' events.
 */
const LEDGER_RUN = 'ledger';

/**
 * `target authorize` on a ledger: the change is an event in the audit trail, with who recorded it
 * and when. Refused, nothing recorded, when the open rollout has a step that authorizes this
 * connection: the rollout is where that is recorded. `where` is the `--target … --dir …` to paste.
 */
async function authorizeOnLedger(
  target: RolloutStore & JournaledExecutor,
  connection: string,
  account: string,
  by: string,
  where: string,
  at: AuthorizationWhere = {},
): Promise<void> {
  const open = await openRolloutOf(target);
  // A step for this connection in the same environment (a shared connection's step is for all of them).
  const sameEnvironment = (env: string | undefined) => at.environment === undefined || env === undefined || env === 'all' || env === at.environment;
  const step = open ? remainingSteps(open).find((s) => s.kind === 'authorize' && s.connection === connection && sameEnvironment(s.environment)) : undefined;
  if (open && step) {
    throw new UserError(`rollout ${open.id} authorizes connection '${connection}' in step ${step.id}; nothing was recorded`, {
      hint: `once it is done in Creator, record the step: connectorops rollout done ${step.id}${where}`,
    });
  }
  await target.authorize(connection, account, { runId: LEDGER_RUN, actionId: `authorize-${randomBytes(6).toString('hex')}`, by, note: account }, at);
}

/**
 * `target deauthorize` on a ledger: an authorization revoked in Creator is an event in the audit
 * trail too, with who recorded it and when; its note says which authorizations it named.
 */
async function deauthorizeOnLedger(target: JournaledExecutor, connection: string, by: string, at: AuthorizationWhere = {}): Promise<Authorization[]> {
  const named = [at.environment !== undefined ? `environment ${at.environment}` : '', at.user !== undefined ? `user ${at.user}` : ''].filter(Boolean).join(', ');
  return target.deauthorize(connection, at, { runId: LEDGER_RUN, actionId: `deauthorize-${randomBytes(6).toString('hex')}`, by, note: named || 'every authorization' });
}

/** The changes recorded on a ledger outside rollouts, oldest first. */
export async function ledgerEvents(target: JournalReader): Promise<LedgerEvent[]> {
  const entries = await target.journal(LEDGER_RUN);
  return entries
    .filter((e) => e.status === 'done')
    .map((e) => ({ at: e.at, by: e.by ?? 'unknown', op: e.op, linkName: e.linkName, ...(e.note !== undefined ? { account: e.note } : {}) }));
}

/** Closes the open rollout as abandoned: done steps stay done. */
export async function abandonRollout(target: RolloutStore, rollout: Rollout, by: string, reason: string | undefined): Promise<void> {
  await target.closeRollout(rollout.id, { type: 'abandoned', by, at: new Date().toISOString(), ...(reason !== undefined ? { note: reason } : {}) });
}

/** What `target authorize` records: the account, and where (environment, user) when the connection has more than one authorization. */
export interface AuthorizeRequest {
  connection: string;
  account: string;
  at: AuthorizationWhere;
  /** Who records it, for a ledger's audit trail. */
  by: string;
  /** The environments the account uses (connectorops.yaml), to say which ones a connection still lacks. */
  environments: readonly Environment[];
  /** The `--target … --dir …` to paste into a hint. */
  where: string;
}

/**
 * `target authorize`: a person authorized a connection on Creator's consent screen. On a ledger it is
 * an event of the audit trail (authorizeOnLedger); on a simulated target it is the change itself.
 * Resolves to whether it was recorded in a ledger's log.
 */
export async function authorizeConnection(target: StateReader & RolloutStore & JournaledExecutor, request: AuthorizeRequest): Promise<{ ledger: boolean }> {
  const { connection, account, at } = request;
  if (at.environment === undefined) {
    const c = (await target.read()).state.connections.get(connection);
    if (c && !c.sameAuthorizationForAllEnvironments) throw needsEnvironment(c, request.environments, at.user);
  }
  // A ledger stands for a real account: every change is an event in its audit trail (rollout log).
  if ((await target.info()).mode !== 'ledger') {
    await target.authorize(connection, account, undefined, at);
    return { ledger: false };
  }
  await authorizeOnLedger(target, connection, account, request.by, request.where, at);
  return { ledger: true };
}

/** A connection with one authorization per environment, authorized without --environment: which environments still lack one. */
function needsEnvironment(c: ConnectionRecord, environments: readonly Environment[], user: string | undefined): UserError {
  const lacking = orderedEnvironments(environments).filter((env) => !c.authorizations.some((a) => a.environment === env && (user === undefined || a.user === user)));
  return new UserError(`connection '${sanitizeTerminal(c.linkName)}' has one authorization per environment: name the environment with --environment`, {
    hint: lacking.length
      ? `it still lacks ${lacking.join(', ')} (the environments in connectorops.yaml): e.g. --environment ${lacking[0]}`
      : `it has one in each of ${orderedEnvironments(environments).join(', ')}; to record a new account for one, name it with --environment`,
  });
}

/** `target deauthorize`: authorizations revoked in Creator. On a ledger, an event of the audit trail. Resolves to the authorizations removed. */
export async function deauthorizeConnection(target: StateReader & JournaledExecutor, connection: string, by: string, at: AuthorizationWhere): Promise<Authorization[]> {
  return (await target.info()).mode === 'ledger' ? deauthorizeOnLedger(target, connection, by, at) : target.deauthorize(connection, at);
}
