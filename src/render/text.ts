/**
 * The plan for a terminal, in Terraform's conventions: resources with `+ ~ - -/+`, their field
 * changes, notes on forced replacements, then the sections a person must not miss (revoked
 * authorizations, impact, blocked), the ordered steps, and a one-line footer.
 */
import pc from 'picocolors';
import { SENSITIVE } from '../model/actions.js';
import { rolloutInProgressLine, type Plan } from '../model/plan.js';
import type { Usage } from '../model/types.js';
import { usageLocation } from '../model/usages.js';
import { quoteTerminal, quoteTerminalInner, sanitizeTerminal } from './escape.js';
import { makeRedactor, SENSITIVE_MARKERS } from './secret-display.js';
import { authorizationRule, authorizationTasks, isDeletion } from '../rollout/authorizations.js';
import {
  displayChanges,
  everyUserRevocations,
  everyUserText,
  groupByResource,
  REPLACEMENT_RULES,
  resourceLabel,
  revokedWho,
  stepTitle,
  taskWho,
  type DisplayChange,
  type ResourceSymbol,
} from './resources.js';
import { blockedLine, causeText, footerLine, isEmptyPlan, NO_CHANGES, revocationHeadline, usagesOf } from './summary.js';
import { splitSpace, wantsWordDiff, wordDiff } from './worddiff.js';
import { plural } from '../util/text.js';

type Colors = ReturnType<typeof pc.createColors>;

export interface TextOptions {
  color: boolean;
}

/** Symbols right-aligned to the width of `-/+`, as Terraform prints them. */
const SYMBOL_COLUMN: Record<ResourceSymbol, string> = { '+': '  +', '~': '  ~', '-': '  -', '-/+': '-/+' };

/** Dim only non-empty text: an empty string gets no pair of stray ANSI codes. */
function dimmed(c: Colors, s: string): string {
  return s ? c.dim(s) : s;
}

function brackets(rules: readonly string[]): string {
  return rules.length ? ` [${rules.join(', ')}]` : '';
}

/**
 * Renders the plan for a terminal. Colour only when `options.color` (from `wantsColor`); the
 * palette is created per call, so nothing depends on picocolors' global detection.
 */
export function renderText(plan: Plan, options: TextOptions): string {
  const c = pc.createColors(options.color);
  const redact = makeRedactor(plan);
  // Every user string passes through here: fingerprints blanked (S2), controls made visible.
  const q = (s: string) => quoteTerminal(redact(s));
  const t = (s: string) => sanitizeTerminal(redact(s));
  const value = (v: unknown): string => formatValue(v, q);
  const paint = (symbol: string): string =>
    symbol.includes('/') ? c.magenta(symbol) : symbol.endsWith('+') ? c.green(symbol) : symbol.endsWith('-') ? c.red(symbol) : c.yellow(symbol);

  const lines: string[] = [];
  // A blank line before a section, never two in a row.
  const gap = () => {
    if (lines.length && lines[lines.length - 1] !== '') lines.push('');
  };
  lines.push(`Target: ${t(plan.target)} (state serial ${plan.base.stateSerial})`);
  if (plan.rollout) lines.push(c.bold(c.yellow(rolloutInProgressLine(plan.rollout, t))));

  if (isEmptyPlan(plan)) {
    gap();
    lines.push(c.bold(c.green(NO_CHANGES)));
    appendAuthorizations(lines, plan, c, t);
    appendWarnings(lines, plan, c, q, t);
    return lines.join('\n') + '\n';
  }

  const groups = groupByResource(plan);
  if (groups.length) {
    gap();
    lines.push('connectorops will perform the following actions:');
    for (const g of groups) {
      gap();
      lines.push(`${paint(SYMBOL_COLUMN[g.symbol])} ${c.bold(resourceLabel(g.kind, g.linkName, q))} ${g.headline}${dimmed(c, brackets(g.rules))}`);
      for (const action of g.actions) {
        for (const change of displayChanges(action)) lines.push(`      ${changeLine(change, { c, value, paint, t, redact })}`);
      }
      for (const reason of g.replaceReasons) lines.push(`      ${c.magenta(`# forces replacement: ${t(reason)}`)}`);
      for (const reason of g.reasons) lines.push(`      ${c.dim(`# ${t(reason)}`)}`);
    }
  }

  if (plan.revokedAuthorizations.length) {
    gap();
    lines.push(c.bold(c.red(`! ${revocationHeadline(plan.revokedAuthorizations.length)}:`)));
    for (const r of plan.revokedAuthorizations) {
      lines.push(c.red(`    ${t(r.connection)} (${t(revokedWho(r))}) — ${t(causeText(r))} [${r.rule}]`));
    }
    lines.push(c.red('  These connections stop working until their accounts authorize them again.'));
    for (const u of everyUserRevocations(plan)) lines.push(c.red(`  ${t(u.connection)}: ${t(everyUserText(u.users))}.`));
    if (plan.revokedAuthorizations.some(isDeletion))
      lines.push(c.red('  A deleted connection is gone with its authorization; only a person can authorize its replacement.'));
  }

  const blockedR14 = new Set(plan.blocked.filter((b) => b.kind === 'Connection' && b.rule === 'R14').map((b) => b.linkName));
  const impact = plan.impact.filter((i) => !(i.rule === 'R14' && blockedR14.has(i.connection)));
  if (impact.length) {
    gap();
    lines.push(c.bold(c.yellow('Impact on applications:')));
    for (const i of impact) {
      const what = i.rule === 'R15' ? 'disabling it stops' : 'it is used by';
      lines.push(`    connection ${q(i.connection)}: ${what} ${plural(i.usages.length, 'usage')} [${i.rule}]`);
      for (const u of i.usages) lines.push(`      - app ${q(u.app)}, ${t(u.component)} (${t(u.kind)})${usageAt(u, t)}`);
    }
  }

  if (plan.blocked.length) {
    gap();
    lines.push(c.bold(c.red('Blocked: apply will carry out none of this plan until these are resolved:')));
    for (const b of plan.blocked) {
      const forces = REPLACEMENT_RULES.has(b.rule) ? ' # forces replacement:' : ':';
      lines.push(c.red(`  ✗ ${resourceLabel(b.kind, b.linkName, q)} [${b.rule}]${forces} ${t(b.message)}`));
      if (b.hint) lines.push(`      hint: ${t(b.hint)}`);
      if (b.kind === 'Connection') {
        for (const u of usagesOf(plan, b.linkName, b)) lines.push(`      - used by app ${q(u.app)}, ${t(u.component)} (${t(u.kind)})${usageAt(u, t)}`);
      }
    }
  }

  appendAuthorizations(lines, plan, c, t);
  appendWarnings(lines, plan, c, q, t);

  if (plan.actions.length) {
    gap();
    lines.push(c.bold('Steps, in order:'));
    const width = String(plan.actions.length).length;
    plan.actions.forEach((a, n) => {
      const after = a.dependsOn.length ? c.dim(` (after ${a.dependsOn.map(t).join(', ')})`) : '';
      lines.push(`  ${String(n + 1).padStart(width)}. ${t(a.id)} ${stepTitle(a, q)}${dimmed(c, brackets(a.rules))}${after}`);
    });
  }

  gap();
  lines.push(c.bold(footerLine(plan.summary)));
  if (plan.blocked.length) lines.push(c.bold(c.red(blockedLine(plan.blocked.length))));
  return lines.join('\n') + '\n';
}

/** ` at apps/orders.ds:412:5` for a usage found in code; nothing for one the target records. */
function usageAt(u: Usage, t: (s: string) => string): string {
  const at = usageLocation(u);
  return at !== null ? ` at ${t(at)}` : '';
}

function appendAuthorizations(lines: string[], plan: Plan, c: Colors, t: (s: string) => string): void {
  const tasks = authorizationTasks(plan);
  if (!tasks.length) return;
  lines.push('');
  lines.push(c.bold(c.cyan("After apply, these connections need authorization (Creator's consent screen):")));
  for (const task of tasks) lines.push(`    ${t(task.connection)} — ${taskWho(task, t)} [${authorizationRule(task)}]`);
}

function appendWarnings(lines: string[], plan: Plan, c: Colors, q: (s: string) => string, t: (s: string) => string): void {
  const warnings = plan.warnings ?? [];
  if (!warnings.length) return;
  lines.push('');
  lines.push(c.bold(c.yellow('Warnings:')));
  for (const w of warnings) {
    const where = w.kind && w.linkName ? `${resourceLabel(w.kind, w.linkName, q)}: ` : '';
    lines.push(c.yellow(`  ! ${where}${t(w.message)} [${t(w.code)}]`));
  }
}

/** A value as Terraform shows one: strings quoted, markers bare, lists in brackets. */
function formatValue(v: unknown, q: (s: string) => string): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return SENSITIVE_MARKERS.has(v) ? v : q(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => formatValue(x, q)).join(', ')}]`;
  if (typeof v === 'object') {
    if ('fingerprint' in v || 'fromEnv' in v) return SENSITIVE;
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${q(k)}: ${formatValue(x, q)}`)
      .join(', ')} }`;
  }
  if (typeof v === 'bigint' || typeof v === 'symbol') return q(String(v));
  // A function: never part of a plan.
  return q(typeof v);
}

interface LineFormat {
  c: Colors;
  value: (v: unknown) => string;
  paint: (symbol: string) => string;
  /** Sanitizes a user string for the terminal (after redaction). */
  t: (s: string) => string;
  redact: (s: string) => string;
}

function changeLine(change: DisplayChange, { c, value, paint, t, redact }: LineFormat): string {
  const head = `${paint(change.symbol)} ${t(change.path)}:`;
  const note = change.secret?.fromEnv ? c.dim(`  # from env ${t(change.secret.fromEnv)}`) : '';
  if (change.symbol === '+') return `${head} ${value(change.to)}${note}`;
  if (change.symbol === '-') return `${head} ${value(change.from)} → null${note}`;
  if (!change.fromKnown) return `${head} ${value(change.to)}${note}`;
  if (!change.secret && wantsWordDiff(change.path, change.from, change.to)) {
    const parts = wordDiff(redact(change.from), redact(change.to as string));
    if (parts) {
      // Quoted as a whole, marked inside: `"CRM of the [-sales-]{+support+} team"`.
      const body = parts
        .map((p) => {
          const inner = quoteTerminalInner(p.value);
          if (p.type === 'same') return inner;
          const { lead, core, trail } = splitSpace(inner);
          if (c.isColorSupported) return lead + (p.type === 'removed' ? c.red(c.strikethrough(core)) : c.green(core)) + trail;
          return lead + (p.type === 'removed' ? `[-${core}-]` : `{+${core}+}`) + trail;
        })
        .join('');
      return `${head} "${body}"${note}`;
    }
  }
  return `${head} ${value(change.from)} → ${value(change.to)}${note}`;
}
