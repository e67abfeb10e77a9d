/** `connectorops plan [--dir D] [--ref REF] [--base REF] [--target T] [--out FILE] [--format F | --json] …`. */
import { UserError } from '../../errors.js';
import { RENDER_FORMATS, isRenderFormat, type RenderFormat } from '../../render/render-plan.js';
import { isHelp, parseFlags, type Help } from '../args.js';
import { definedOnly } from '../../util/objects.js';

export interface PlanArgs {
  /** As typed, relative to the working directory. */
  dir?: string;
  ref?: string;
  base?: string;
  target?: string;
  /** As typed, relative to the working directory. */
  out?: string;
  /** `--format`, or `json` for `--json` (default `text`). */
  format: RenderFormat;
  allowReplace: boolean;
  allowEmpty: boolean;
  detailedExitcode: boolean;
}

export function parsePlanArgs(argv: readonly string[]): PlanArgs | Help {
  const flags = parseFlags(argv, {
    dir: { type: 'string' },
    ref: { type: 'string' },
    base: { type: 'string' },
    target: { type: 'string' },
    out: { type: 'string' },
    format: { type: 'string' },
    json: { type: 'boolean', default: false },
    'allow-replace': { type: 'boolean', default: false },
    'allow-empty': { type: 'boolean', default: false },
    'detailed-exitcode': { type: 'boolean', default: false },
  });
  if (isHelp(flags)) return flags;
  const { values } = flags;
  return {
    ...definedOnly({ dir: values.dir, ref: values.ref, base: values.base, target: values.target, out: values.out }),
    format: chooseFormat(values.format, values.json),
    allowReplace: values['allow-replace'],
    allowEmpty: values['allow-empty'],
    detailedExitcode: values['detailed-exitcode'],
  };
}

function chooseFormat(format: string | undefined, json: boolean): RenderFormat {
  if (json && format !== undefined && format !== 'json') {
    throw new UserError(`--json and --format ${format} disagree`, { hint: '--json is short for --format json: give one of them' });
  }
  const f = json ? 'json' : (format ?? 'text');
  if (!isRenderFormat(f)) throw new UserError(`unknown format '${f}'`, { hint: `use one of: ${RENDER_FORMATS.join(', ')}` });
  return f;
}
