/**
 * Progress for people (docs/apply.md, "Progress"). On a terminal: one live line, rewritten with
 * `\r`, naming the action in flight and how long it has run. In CI or any non-TTY: one line per
 * finished action with its duration, so a log says what happened even when the job was killed.
 * Both go to stderr. The final summary (`formatSummary`, pure) goes to stdout.
 * Nothing here ever sees a secret value: actions carry only references (S2).
 */
import { isAuthorized, sameSlot } from '../model/authorizations.js';
import type { PlannedAction } from '../model/actions.js';
import type { Plan, RevokedAuthorization } from '../model/plan.js';
import type { State } from '../model/types.js';
import { causeText } from '../render/summary.js';
import { sanitizeTerminal } from '../util/terminal.js';
import type { ApplyEvent, ExecutionResult } from './executor.js';
import type { NotStartedReason } from './scheduler.js';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Progress {
  onEvent(event: ApplyEvent): void;
  /** Clears the live line (TTY). Call once the run is over. */
  stop(): void;
}

/** `12ms`, `3.2s`, `2m05s` */
export function formatDuration(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m}m${String(s).padStart(2, '0')}s`;
}

/**
 * `R9: …`: the rule id once, whether or not the target's message already starts with it. The
 * message is the target's (an HTTP server's words): escaped for the terminal (issue 18, item 6).
 */
function withRule(error: string, rule: string | undefined): string {
  return sanitizeTerminal(rule && !error.startsWith(`${rule}: `) ? `${rule}: ${error}` : error);
}

/** The action as a plan file names it, escaped. */
function label(a: PlannedAction): string {
  return sanitizeTerminal(`${a.op} ${a.linkName}`);
}

/** One line per event: what CI logs show. */
export function lineProgress(out: ProgressStream): Progress {
  return {
    onEvent(e) {
      switch (e.type) {
        case 'skipped':
          out.write(`↷ ${e.action.id} ${label(e.action)} (done by an earlier run of this plan)\n`);
          break;
        case 'done':
          out.write(`✓ ${e.action.id} ${label(e.action)} (${e.confirmed ? 'already in effect, ' : ''}${formatDuration(e.ms)})\n`);
          break;
        case 'failed':
          out.write(`✗ ${e.action.id} ${label(e.action)} ${withRule(e.error, e.rule)} (${formatDuration(e.ms)})\n`);
          break;
        case 'start':
          break;
      }
    },
    stop() {},
  };
}

/**
 * The live line: `[12/30] connection.create crm_sales … 3.2s`. It ticks while an action runs, so a
 * slow target shows as slow rather than as hung. Failures also get a line of their own, which stays.
 */
export function ttyProgress(out: ProgressStream, now: () => number = () => performance.now()): Progress {
  const running = new Map<string, { action: PlannedAction; since: number }>();
  let finished = 0;
  let total = 0;
  let lastWidth = 0;
  let timer: NodeJS.Timeout | undefined;

  const render = () => {
    const latest = [...running.values()].pop();
    const text = latest
      ? `[${finished + 1}/${total}] ${label(latest.action)}${running.size > 1 ? ` (+${running.size - 1} more)` : ''} … ${formatDuration(now() - latest.since)}`
      : `[${finished}/${total}]`;
    const pad = Math.max(0, lastWidth - text.length);
    out.write(`\r${text}${' '.repeat(pad)}`);
    lastWidth = text.length;
  };
  const clear = () => {
    if (lastWidth) out.write(`\r${' '.repeat(lastWidth)}\r`);
    lastWidth = 0;
  };

  return {
    onEvent(e) {
      switch (e.type) {
        case 'skipped':
          finished++;
          return;
        case 'start':
          total = e.total;
          running.set(e.action.id, { action: e.action, since: now() });
          if (!timer) {
            timer = setInterval(render, 100);
            // The ticker must never keep the process alive on its own.
            timer.unref();
          }
          break;
        case 'done':
          running.delete(e.action.id);
          finished++;
          break;
        case 'failed':
          running.delete(e.action.id);
          finished++;
          clear();
          out.write(`✗ ${e.action.id} ${label(e.action)} ${withRule(e.error, e.rule)} (${formatDuration(e.ms)})\n`);
          break;
      }
      render();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      clear();
    },
  };
}

export function createProgress(out: ProgressStream): Progress {
  return out.isTTY ? ttyProgress(out) : lineProgress(out);
}

function reasonText(r: NotStartedReason): string {
  if (r.kind === 'cancelled') return 'the run was cancelled';
  return r.via === r.failed ? `depends on ${r.failed}, which failed` : `depends on ${r.via}, which depends on ${r.failed}, which failed`;
}

const LIST_LIMIT = 200;

/**
 * The summary printed at the end of a run: counts, then what was done, what failed (with rule
 * id and message), what never started and why, the connections that now need a person to
 * authorize them, and the authorizations that were revoked. `after` is the target's state once
 * the run is over: it tells which of the plan's expected authorizations are really pending now.
 */
export function formatSummary(result: ExecutionResult, plan: Plan, after?: State): string {
  const lines: string[] = [];
  const ok = result.failed.length === 0 && result.notStarted.length === 0;
  const head = result.cancelled ? 'Apply cancelled' : ok ? 'Apply complete' : 'Apply failed';
  const earlier = result.done.filter((d) => d.how === 'journal').length;
  lines.push(
    `${head}: ${result.done.length} done${earlier ? ` (${earlier} by an earlier run)` : ''}, ${result.failed.length} failed, ${result.notStarted.length} not started (of ${result.total} actions; run ${shortRun(result.runId)}).`,
  );

  if (result.done.length) {
    lines.push('', 'Done:');
    for (const d of result.done.slice(0, LIST_LIMIT)) {
      const note =
        d.how === 'journal'
          ? ' (earlier run)'
          : d.how === 'confirmed'
            ? ' (already in effect)'
            : d.how === 'answer-lost'
              ? ` (the call failed: ${sanitizeTerminal(d.error ?? '')}; but the target's journal has it done)`
              : ` (${formatDuration(d.ms)})`;
      lines.push(`  ✓ ${d.action.id} ${label(d.action)}${note}`);
    }
    if (result.done.length > LIST_LIMIT) lines.push(`  … and ${result.done.length - LIST_LIMIT} more`);
  }
  if (result.failed.length) {
    lines.push('', 'Failed:');
    for (const f of result.failed) {
      lines.push(`  ✗ ${f.action.id} ${label(f.action)}: ${withRule(f.error, f.rule)}`);
      if (f.hint) lines.push(`      hint: ${sanitizeTerminal(f.hint)}`);
    }
  }
  if (result.notStarted.length) {
    lines.push('', 'Not started:');
    for (const n of result.notStarted) lines.push(`  - ${n.action.id} ${label(n.action)} (${reasonText(n.reason)})`);
  }

  const revoked = revokedAfter(result, plan, after);
  const needs = needsAuthorizationAfter(result, plan, after);
  if (needs.length) {
    lines.push('', 'Connections that now need authorization (a person consents in Creator; R11, R13, R5):');
    for (const c of needs) lines.push(`  - ${sanitizeTerminal(c)}`);
  }
  if (revoked.length) {
    lines.push('', 'Authorizations revoked:');
    for (const r of revoked) lines.push(sanitizeTerminal(`  - ${r.connection} (account ${r.account}) of connector ${r.connector}: ${causeText(r)} (${r.rule})`));
  }
  return lines.join('\n') + '\n';
}

/**
 * What the target reported revoking, the authorizations lost with the connections this run
 * deleted (deleted, replaced: no action "revokes" those), and the plan's expected revocations that
 * the state confirms (an earlier run did them).
 */
function revokedAfter(result: ExecutionResult, plan: Plan, after?: State): RevokedAuthorization[] {
  const out = new Map<string, RevokedAuthorization>();
  for (const r of result.revoked) out.set(revocationKey(r), r);
  const deleted = new Set(result.done.filter((d) => d.action.op === 'connection.delete').map((d) => d.action.linkName));
  for (const r of plan.revokedAuthorizations) {
    const gone = r.cause.includes('deleted') || r.cause.includes('replaced');
    if (gone && deleted.has(r.connection)) out.set(revocationKey(r), r);
  }
  const resumed = result.done.some((d) => d.how !== 'executed');
  if (after && resumed) {
    for (const r of plan.revokedAuthorizations) {
      const c = after.connections.get(r.connection);
      const key = revocationKey(r);
      if (!out.has(key) && c && !c.authorizations.some((a) => sameSlot(a, r))) out.set(key, r);
    }
  }
  return [...out.values()].sort((a, b) => (a.connection < b.connection ? -1 : a.connection > b.connection ? 1 : 0));
}

/**
 * The plan's `needsAuthorization` and every revoked connection, kept only when they exist
 * unauthorized now, or lack an environment the plan names.
 */
function needsAuthorizationAfter(result: ExecutionResult, plan: Plan, after?: State): string[] {
  const names = new Set([...plan.needsAuthorization, ...result.revoked.map((r) => r.connection)]);
  const created = new Set(result.done.filter((d) => d.action.op === 'connection.create').map((d) => d.action.linkName));
  return [...names]
    .filter((n) => {
      if (after) {
        const c = after.connections.get(n);
        if (!c) return false;
        if (!isAuthorized(c)) return true;
        // Authorized somewhere, yet still lacking an environment the plan named (Creator 6: one
        // authorization per environment): authorized in production, not yet in stage.
        return plan.authorizationsNeeded.some(
          (need) => need.connection === n && need.everyUser !== true && !c.authorizations.some((a) => a.environment === need.environment),
        );
      }
      // Without the state: a connection the plan creates needs authorization only if it was created.
      const createdByPlan = plan.actions.some((a) => a.op === 'connection.create' && a.linkName === n);
      return !createdByPlan || created.has(n);
    })
    .sort();
}

/** A run id as people read it: its first 12 hex digits. */
export function shortRun(runId: string): string {
  const hex = runId.startsWith('sha256:') ? runId.slice(7) : runId;
  return hex.slice(0, 12);
}

/** One revoked authorization: its connection, environment and user. */
function revocationKey(r: RevokedAuthorization): string {
  return `${r.connection}\u0000${r.environment}\u0000${r.user ?? ''}\u0000${r.account}`;
}
