/**
 * Rollouts, rendered (docs/rollouts.md): the status (`rollout`), the steps to do now (`rollout
 * next`, text, Markdown or JSON, with the runbook's instructions for Creator's UI) and the
 * history (`rollout log`). Pure functions of a rollout. Every user string is sanitized for the
 * terminal or escaped for Markdown; secrets appear only as the variable that holds them (S2).
 */
import pc from 'picocolors';
import type { Plan } from '../model/plan.js';
import { progressOf, statusOf, readySteps, type LedgerEvent, type Rollout, type RolloutStep } from '../rollout/model.js';
import { plural } from '../util/text.js';
import { actionSecrets } from '../model/actions.js';
import { escapeMarkdown, quoteTerminal, sanitizeTerminal } from './escape.js';
import { makeRedactor } from './secret-display.js';
import { runbookQuoting, runbookSteps } from './runbook.js';
import { stepTitle } from './resources.js';

export const NEXT_FORMATS = ['text', 'markdown', 'json'] as const;
/** `rollout` and `rollout log`: text, or one JSON document (docs/rollouts.md). */
export const STATUS_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof STATUS_FORMATS)[number];
export type NextFormat = (typeof NEXT_FORMATS)[number];

/** `create connector "crm"`, `authorize connection "crm_sales" (by alice)`, with the format's quoting. */
export function rolloutStepTitle(step: RolloutStep, quote: (s: string) => string, text: (s: string) => string): string {
  if (step.kind === 'action') return stepTitle(step.action, quote);
  if (step.everyUser) return `users must each authorize connection ${quote(step.connection)} (announce it to them)`;
  const who = step.account !== null ? `by ${text(step.account)}` : "by the connection's owner";
  const where = step.environment !== undefined && step.environment !== 'all' ? ` in ${step.environment}` : '';
  return `${step.revoked ? 're-authorize' : 'authorize'} connection ${quote(step.connection)}${where} (${who})`;
}

/** Each step's runbook instructions, by step id, in the runbook's words, step ids as references. */
export function stepInstructions(rollout: Rollout): Map<string, string[]> {
  const { q, t } = runbookQuoting(rollout.plan);
  const lines = runbookSteps(rollout.plan, (n) => rollout.steps[n - 1]?.id ?? String(n), q, t);
  return new Map(rollout.steps.map((s, i) => [s.id, lines[i] ?? []]));
}

/** The environment variables a step needs (secrets it sets): names only, never values. */
function stepSecrets(step: RolloutStep): Array<{ parameter: string; env: string }> {
  if (step.kind !== 'action') return [];
  return actionSecrets(step.action).map(([parameter, ref]) => ({ parameter, env: ref.fromEnv }));
}

function terminal(plan: Plan) {
  const redact = makeRedactor(plan);
  return { q: (s: string) => quoteTerminal(redact(s)), t: (s: string) => sanitizeTerminal(redact(s)) };
}

function progressLine(rollout: Rollout): string {
  const p = progressOf(rollout);
  return `${p.done} of ${plural(p.total, 'step')} done`;
}

/**
 * `rollout --format json`: the open rollout and every step with where it stands, or
 * `{"rollout": null, "steps": []}` when none is open (docs/rollouts.md).
 */
export function renderRolloutStatusJson(rollout: Rollout | null): string {
  if (!rollout) return JSON.stringify({ rollout: null, target: null, steps: [] }, null, 2) + '\n';
  const p = progressOf(rollout);
  const steps = rollout.steps.map((step) => {
    const status = statusOf(rollout, step);
    return {
      id: step.id,
      kind: step.kind,
      title: rolloutStepTitle(
        step,
        (x) => JSON.stringify(x),
        (x) => x,
      ),
      state: status.state,
      dependsOn: step.dependsOn,
      ...(status.state === 'done'
        ? { by: status.confirmation.by, at: status.confirmation.at, ...(status.confirmation.note !== undefined ? { note: status.confirmation.note } : {}) }
        : status.state === 'waiting'
          ? { waitingFor: status.on }
          : {}),
    };
  });
  return JSON.stringify({ rollout: { id: p.id, open: rollout.open, done: p.done, total: p.total }, target: rollout.plan.target, steps }, null, 2) + '\n';
}

/** `connectorops rollout`: every step, ✓ done (by, when), → ready, · waiting (on what). */
export function renderRolloutStatus(rollout: Rollout, options: { color: boolean; where?: string }): string {
  const c = pc.createColors(options.color);
  const { q, t } = terminal(rollout.plan);
  const opened = rollout.events.find((e) => e.type === 'opened');
  const lines = [
    c.bold(`Rollout ${rollout.id} on ${t(rollout.plan.target)}: ${progressLine(rollout)}`),
    ...(opened ? [`Opened by ${t(opened.by)} at ${t(opened.at)}.`] : []),
    '',
  ];
  for (const step of rollout.steps) {
    const title = `${step.id} ${rolloutStepTitle(step, q, t)}`;
    const status = statusOf(rollout, step);
    if (status.state === 'done') {
      const note = status.confirmation.note !== undefined ? ` (${quoteTerminal(status.confirmation.note)})` : '';
      lines.push(c.green(`  ✓ ${title}`) + c.dim(` done by ${t(status.confirmation.by)} at ${t(status.confirmation.at)}${note}`));
    } else if (status.state === 'ready') {
      lines.push(c.bold(`  → ${title}`) + ' ready now');
    } else {
      lines.push(c.dim(`  · ${title} waiting for ${status.on.join(', ')}`));
    }
  }
  lines.push('', 'Legend: ✓ done · → ready now · waiting for the steps named');
  const where = options.where ?? '';
  lines.push(rollout.open ? `Next: connectorops rollout next${where} (instructions), then connectorops rollout done STEP…${where}` : 'This rollout is closed.');
  return lines.join('\n') + '\n';
}

/** `rollout next`: the steps that can be done now, with Creator UI instructions. */
export function renderNext(rollout: Rollout, format: NextFormat, options: { color: boolean; where?: string } = { color: false }): string {
  const ready = readySteps(rollout);
  const instructions = stepInstructions(rollout);
  const p = progressOf(rollout);
  if (format === 'json') {
    const steps = ready.map((s) => ({
      id: s.id,
      kind: s.kind,
      title: rolloutStepTitle(
        s,
        (x) => JSON.stringify(x),
        (x) => x,
      ),
      dependsOn: s.dependsOn,
      ...(s.kind === 'action'
        ? { op: s.action.op, linkName: s.action.linkName }
        : { connection: s.connection, environment: s.environment ?? 'all', account: s.account, rule: s.rule, ...(s.everyUser ? { everyUser: s.everyUser } : {}) }),
      secrets: stepSecrets(s),
      instructions: instructions.get(s.id) ?? [],
    }));
    return JSON.stringify({ rollout: { id: p.id, done: p.done, total: p.total }, target: rollout.plan.target, steps }, null, 2) + '\n';
  }
  if (format === 'markdown') {
    const e = (s: string) => escapeMarkdown(makeRedactor(rollout.plan)(s));
    const out = [`### Rollout ${e(rollout.id)}: steps to do now`, '', `Target: ${e(rollout.plan.target)} · ${progressLine(rollout)}`, ''];
    if (!ready.length) out.push(rollout.open ? 'No step can be done now.' : 'This rollout is closed.', '');
    for (const s of ready) {
      out.push(`- **${e(s.id)}** ${rolloutStepTitle(s, (x) => `"${e(x)}"`, e)}`, '', ...indent(codeBlock(instructions.get(s.id) ?? []), '  '), '');
    }
    return out.join('\n').replace(/\n+$/, '') + '\n';
  }
  const c = pc.createColors(options.color);
  const { t } = terminal(rollout.plan);
  const out = [c.bold(`Rollout ${rollout.id} on ${t(rollout.plan.target)}: ${progressLine(rollout)}`)];
  if (!ready.length) {
    out.push('', rollout.open ? 'No step can be done now.' : 'This rollout is closed.');
    return out.join('\n') + '\n';
  }
  out.push(`Steps that can be done now (${ready.length}):`);
  for (const s of ready) out.push('', ...(instructions.get(s.id) ?? []));
  out.push('', `When a step is done in Creator: connectorops rollout done ${ready.map((s) => s.id).join(' ')}${options.where ?? ''} (the ones you did)`);
  return out.join('\n') + '\n';
}

/** Lines as a fenced code block whose fence no line can close (a longer run of backticks). */
export function codeBlock(lines: readonly string[]): string[] {
  const longest = Math.max(2, ...lines.map((l) => Math.max(0, ...[...l.matchAll(/`+/g)].map((m) => m[0].length))));
  const fence = '`'.repeat(longest + 1);
  return [fence + 'text', ...lines, fence];
}

function indent(lines: string[], by: string): string[] {
  return lines.map((l) => (l === '' ? l : by + l));
}

/** One entry of `rollout log --format json` (docs/rollouts.md). */
export interface LogEntry {
  at: string;
  by: string;
  /** The rollout it belongs to; null for a change recorded outside rollouts (`target authorize`). */
  rollout: string | null;
  event: 'opened' | 'step' | 'abandoned' | 'closed' | 'authorized' | 'deauthorized';
  /** `step`: the step's id and title. */
  step?: string;
  title?: string;
  /** `authorized`: the connection and the account that authorized it; `deauthorized`: the connection (`note`: which authorizations). */
  connection?: string;
  account?: string;
  note?: string;
}

/** Every event of every rollout and of the ledger outside rollouts, oldest first (ties: opened, steps, end). */
export function rolloutLogEntries(rollouts: readonly Rollout[], ledger: readonly LedgerEvent[] = []): LogEntry[] {
  const entries: Array<LogEntry & { weight: number }> = [];
  for (const rollout of rollouts) {
    const plain = (x: string) => x;
    for (const e of rollout.events) {
      const event = e.type === 'opened' ? 'opened' : e.type === 'abandoned' ? 'abandoned' : 'closed';
      entries.push({ at: e.at, by: e.by, rollout: rollout.id, event, ...(e.note !== undefined ? { note: e.note } : {}), weight: event === 'opened' ? 0 : 2 });
    }
    for (const step of rollout.steps) {
      const done = rollout.done.get(step.id);
      if (!done) continue;
      const title = rolloutStepTitle(step, (x) => JSON.stringify(x), plain);
      entries.push({
        at: done.at,
        by: done.by,
        rollout: rollout.id,
        event: 'step',
        step: step.id,
        title,
        ...(done.note !== undefined ? { note: done.note } : {}),
        weight: 1,
      });
    }
  }
  for (const e of ledger) {
    const revoked = e.op === 'connection.deauthorize';
    entries.push({
      at: e.at,
      by: e.by,
      rollout: null,
      event: revoked ? 'deauthorized' : 'authorized',
      connection: e.linkName,
      ...(e.account !== undefined ? (revoked ? { note: e.account } : { account: e.account }) : {}),
      weight: 1,
    });
  }
  // A stable sort: the rollouts' own order holds at the same instant.
  entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.weight - b.weight));
  return entries.map(({ weight: _weight, ...entry }) => entry);
}

/** `rollout log`: every rollout's events, and the ledger's changes outside rollouts, oldest first. */
export function renderRolloutLog(rollouts: readonly Rollout[], ledger: readonly LedgerEvent[] = [], format: LogFormat = 'text'): string {
  const entries = rolloutLogEntries(rollouts, ledger);
  if (format === 'json') return JSON.stringify({ entries }, null, 2) + '\n';
  if (!entries.length) return 'No rollouts on this target.\n';
  const byId = new Map(rollouts.map((r) => [r.id, r]));
  const note = (n: string | undefined) => (n !== undefined ? ` (${quoteTerminal(n)})` : '');
  const lines = entries.map((e) => {
    const rollout = e.rollout !== null ? byId.get(e.rollout) : undefined;
    if (!rollout) {
      if (e.event === 'deauthorized') {
        return `${sanitizeTerminal(e.at)}  ${sanitizeTerminal(e.by)}  target deauthorize: connection ${quoteTerminal(e.connection ?? '')} revoked in Creator${note(e.note)}`;
      }
      const account = e.account !== undefined ? ` by account ${quoteTerminal(e.account)}` : '';
      return `${sanitizeTerminal(e.at)}  ${sanitizeTerminal(e.by)}  target authorize: connection ${quoteTerminal(e.connection ?? '')} authorized${account}`;
    }
    const { q, t } = terminal(rollout.plan);
    const what =
      e.event === 'opened'
        ? `opened (${plural(rollout.steps.length, 'step')}, plan of ${t(rollout.plan.source.ref ?? 'the working tree')})`
        : e.event === 'abandoned'
          ? 'abandoned'
          : e.event === 'closed'
            ? 'closed: every step done'
            : `${e.step!} done: ${rolloutStepTitle(
                rollout.steps.find((x) => x.id === e.step)!,
                q,
                t,
              )}`;
    return `${t(e.at)}  ${t(e.by)}  ${rollout.id} ${what}${note(e.note)}`;
  });
  return lines.join('\n') + '\n';
}

/** What to say after steps were recorded: the rollout's progress, and what comes next (`where`: the target flags to paste). */
export function renderAfterDone(rollout: Rollout, closed: boolean, where: string): string {
  const p = progressOf(rollout);
  if (closed) return `Every step is done: rollout ${rollout.id} is closed (${plural(p.total, 'step')}). connectorops plan${where} should now report no changes.\n`;
  const ready = readySteps(rollout);
  const next = ready.length ? `Ready now: ${ready.map((s) => s.id).join(', ')} (connectorops rollout next${where}).` : 'No step is ready now.';
  return `Rollout ${rollout.id}: ${p.done} of ${plural(p.total, 'step')} done. ${next}\n`;
}
