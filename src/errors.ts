/**
 * The three kinds of failure, each with its exit code (README, "Commands"): the CLI's top-level catch
 * maps them. Messages are for people: what is wrong, the rule id, and what to do next.
 */
import type { DiagnosticCode, RefusalCode } from './model/types.js';
import { sanitizeLines, sanitizeTerminal } from './util/terminal.js';

/** A diagnostic about the user's input: a value, never thrown on its own. */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  severity: 'error' | 'warning';
  /** A rule id (R6, S1, …) or a code such as `yaml`, `schema`, `duplicate`. */
  code: DiagnosticCode;
  message: string;
  hint?: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  // A file name is the user's: a newline or an escape sequence in it must not act on the terminal.
  // The message and hint may be a server's (an HTTP target's answer carries diagnostics): escaped too.
  const head = `${sanitizeTerminal(d.file)}:${d.line}:${d.col}: ${d.severity} ${d.code}: ${sanitizeLines(d.message)}`;
  return d.hint ? `${head}\n  hint: ${sanitizeLines(d.hint)}` : head;
}

/** Fixable input: bad manifests, bad flags, a stale plan, a rule the user's change breaks. Exit 1. */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    readonly details: { rule?: RefusalCode; hint?: string; diagnostics?: Diagnostic[] } = {},
  ) {
    super(message);
  }
}

/** A target refused or failed. `rule` is set when it refused because of a Creator rule. */
export class TargetError extends Error {
  override name = 'TargetError';
  constructor(
    message: string,
    readonly details: { status?: number; rule?: RefusalCode; hint?: string; cause?: unknown } = {},
  ) {
    super(message);
  }
}

/** A bug in connectorops: never the user's fault. */
export class InternalError extends Error {
  override name = 'InternalError';
  constructor(message: string) {
    super(`${message}\nThis is a bug in connectorops: please report it with the command you ran.`);
  }
}
