/**
 * `connectorops usages`: every usage found in Deluge code, per connection, as text for a person
 * or JSON for a program. Pure functions of the scan; user strings are escaped for the terminal.
 */
import type { Diagnostic } from '../errors.js';
import type { CodeUsage } from '../model/usages.js';
import { quoteTerminal, sanitizeTerminal } from './escape.js';
import { plural } from '../util/text.js';

export interface UsageReport {
  /** `working tree` or `ref main at 1a2b3c4`. */
  label: string;
  ref: string | null;
  commit: string | null;
  /** How many files `usages.from` selected. */
  files: number;
  /** Sorted by connection, then position. */
  usages: readonly CodeUsage[];
  /** The connections the manifests define: a usage of any other is flagged. */
  defined: ReadonlySet<string>;
  warnings: readonly Diagnostic[];
}

interface ConnectionUsages {
  connection: string;
  defined: boolean;
  usages: CodeUsage[];
}

function byConnection(report: UsageReport): ConnectionUsages[] {
  const out: ConnectionUsages[] = [];
  for (const u of report.usages) {
    const last = out[out.length - 1];
    if (last?.connection === u.connection) last.usages.push(u);
    else out.push({ connection: u.connection, defined: report.defined.has(u.connection), usages: [u] });
  }
  return out;
}

export function renderUsagesText(report: UsageReport): string {
  const t = sanitizeTerminal;
  const q = quoteTerminal;
  const lines = [`Connection usages in Deluge code (${t(report.label)}, ${plural(report.files, 'file')} read):`];
  const groups = byConnection(report);
  if (!groups.length) lines.push('', '  No invokeurl call names a connection.');
  for (const g of groups) {
    lines.push('', `connection ${q(g.connection)}${g.defined ? '' : ' (no manifest defines it)'}: ${plural(g.usages.length, 'usage')}`);
    for (const u of g.usages) lines.push(`  ${t(u.file)}:${u.line}:${u.col}  app ${q(u.app)}, ${t(u.component)} (${t(u.kind)})`);
  }
  const files = new Set(report.usages.map((u) => u.file)).size;
  lines.push(
    '',
    `${plural(report.usages.length, 'usage')} of ${plural(groups.length, 'connection')} in ${plural(files, 'file')}` +
      (report.warnings.length ? `; ${plural(report.warnings.length, 'warning')} (on stderr).` : '.'),
  );
  return lines.join('\n') + '\n';
}

export function renderUsagesJson(report: UsageReport): string {
  const doc = {
    source: { ref: report.ref, commit: report.commit },
    files: report.files,
    connections: byConnection(report).map((g) => ({
      connection: g.connection,
      defined: g.defined,
      usages: g.usages.map((u) => ({ app: u.app, component: u.component, kind: u.kind, file: u.file, line: u.line, col: u.col })),
    })),
    warnings: report.warnings.map((w) => ({ file: w.file, line: w.line, col: w.col, code: w.code, message: w.message })),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
