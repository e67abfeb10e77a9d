/**
 * Renderers: pure functions of a Plan (no I/O). `plan --format` picks one; `comment` posts the
 * Markdown; `apply` reads back what the JSON one wrote. See docs/rendering.md.
 */
import { UserError } from '../errors.js';
import type { Plan } from '../model/plan.js';
import { renderJson } from './json.js';
import { renderMarkdown, type CodeHost } from './markdown.js';
import { collectFingerprints, redactFingerprints } from './secret-display.js';
import { renderRunbook } from './runbook.js';
import { renderText } from './text.js';

/** The formats of `plan --format`, in the order the help lists them. */
export const RENDER_FORMATS = ['text', 'json', 'markdown', 'runbook'] as const;
export type RenderFormat = (typeof RENDER_FORMATS)[number];

export interface RenderOptions {
  /** ANSI colour; take it from `wantsColor(io)`. Only text (and runbook headings) use it. */
  color: boolean;
  /** Markdown: where the repository is browsed, to link usages found in code to their line. */
  codeHost?: CodeHost;
}

/** True when `value` names a format (for parsing `--format`). */
export function isRenderFormat(value: string): value is RenderFormat {
  return (RENDER_FORMATS as readonly string[]).includes(value);
}

/**
 * Renders a plan in one format. Every output ends with a newline. The human formats (text,
 * markdown, runbook) never print a secret fingerprint (S2): they show markers, and a last pass
 * blanks any fingerprint that slipped through. The JSON keeps fingerprints, which apply needs.
 *
 * @throws UserError for an unknown format (a typo in `--format`).
 */
export function renderPlan(plan: Plan, format: RenderFormat, options: RenderOptions): string {
  switch (format) {
    case 'json':
      return renderJson(plan);
    case 'text':
      return guard(plan, renderText(plan, options));
    case 'markdown':
      return guard(plan, renderMarkdown(plan, options.codeHost ? { codeHost: options.codeHost } : {}));
    case 'runbook':
      return guard(plan, renderRunbook(plan, options));
    default:
      throw new UserError(`unknown plan format '${String(format)}'`, { hint: `use one of: ${RENDER_FORMATS.join(', ')}` });
  }
}

/**
 * S2, last line of defence: the renderers redact user strings before printing them, so a
 * fingerprint found here means a renderer printed plan data some other way. Blanking it is
 * better for the user than failing the plan; the tests check the renderers never rely on it.
 */
function guard(plan: Plan, output: string): string {
  const fingerprints = collectFingerprints(plan);
  return fingerprints.length === 0 ? output : redactFingerprints(output, fingerprints);
}

export type { CodeHost } from './markdown.js';
