/**
 * The walls hold (issue 20, "Walls that hold by default"): each import the layers forbid is
 * injected into a copy of src/, and dependency-cruiser, run with this repository's
 * .dependency-cruiser.cjs on the copy, reports each one with the rule that catches it. One cruise
 * for all the injections (they do not hide each other: every violation is reported on its own
 * module). The zod rule of eslint.config.js is checked the same way on a copied file.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/dist.js';
import { tempDir } from '../support/target.js';

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

const tmp = tempDir('connectorops-walls-');
const copy = join(tmp.dir, 'repo');

/** Puts `line` at the top of the copy's `file`. */
function inject(file: string, line: string): void {
  const path = join(copy, file);
  writeFileSync(path, `${line}\n${readFileSync(path, 'utf8')}`);
}

function cruise(): Violation[] {
  const bin = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
  const r = spawnSync(process.execPath, [bin, 'src', '--output-type', 'json'], { cwd: copy, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return (JSON.parse(r.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

let violations: Violation[] = [];

afterAll(() => tmp.cleanup());

beforeAll(() => {
  mkdirSync(copy, { recursive: true });
  for (const f of ['src', '.dependency-cruiser.cjs', 'tsconfig.json', 'package.json', 'eslint.config.js']) cpSync(join(ROOT, f), join(copy, f), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  // The injections the issue lists.
  inject('src/github/body.ts', "import '../plan/run.js';");
  inject('src/rollout/model.ts', "import 'node:fs';\nimport '../targets/index.js';");
  inject('src/usages/scan.ts', "import '../targets/index.js';\nimport { readFileSync } from 'node:fs';\nvoid readFileSync;");
  inject('src/init/scaffold.ts', "import '../plan/run.js';");
  inject('src/render/text.ts', "import '../rollout/run.js';");
  inject('src/targets/local/local-target.ts', "import '../../rollout/run.js';");
  // A pure module reaching an I/O module through another (rules/ → a new helper of util/ → child_process).
  writeFileSync(join(copy, 'src/util/spawn-helper.ts'), "import { spawnSync } from 'node:child_process';\nexport const run = spawnSync;\n");
  inject('src/rules/names.ts', "import '../util/spawn-helper.js';");
  // A new folder without its block in .dependency-cruiser.cjs, used by the CLI.
  mkdirSync(join(copy, 'src/newfolder'));
  writeFileSync(join(copy, 'src/newfolder/thing.ts'), "import { plural } from '../util/text.js';\nexport const thing = plural;\n");
  inject('src/cli/main.ts', "import '../newfolder/thing.js';");
  // A cycle between folders: the model reaching up into render/.
  inject('src/model/plan.ts', "import '../render/json.js';");
  violations = cruise();
}, 120_000);

describe('dependency-cruiser on injected imports', () => {
  const caught = (from: string, to: RegExp | string, rule: string) =>
    violations.some((v) => v.from === from && (typeof to === 'string' ? v.to === to : to.test(v.to)) && v.rule.name === rule);

  it.each([
    ['github/ importing plan/run.ts', 'src/github/body.ts', 'src/plan/run.ts', 'not-in-allowed'],
    ['rollout/model.ts importing targets/', 'src/rollout/model.ts', 'src/targets/index.ts', 'not-in-allowed'],
    ['rollout/model.ts importing node:fs', 'src/rollout/model.ts', /^(node:)?fs$/, 'pure-units-reach-no-io'],
    ['usages/scan.ts importing targets/', 'src/usages/scan.ts', 'src/targets/index.ts', 'not-in-allowed'],
    ['usages/scan.ts importing node:fs', 'src/usages/scan.ts', /^(node:)?fs$/, 'pure-units-reach-no-io'],
    ['init/ importing plan/run.ts', 'src/init/scaffold.ts', 'src/plan/run.ts', 'not-in-allowed'],
    ['render/text.ts importing rollout/run.ts', 'src/render/text.ts', 'src/rollout/run.ts', 'not-in-allowed'],
    ['targets/local importing rollout/run.ts', 'src/targets/local/local-target.ts', 'src/rollout/run.ts', 'not-in-allowed'],
    ['rules/ reaching child_process through util/', 'src/rules/names.ts', /^(node:)?child_process$/, 'pure-units-reach-no-io'],
    ['the planner core reaching child_process through rules/ and util/', 'src/plan/desired.ts', /^(node:)?child_process$/, 'pure-units-reach-no-io'],
    ['a new folder without a rule', 'src/newfolder/thing.ts', 'src/util/text.ts', 'every-module-has-a-unit'],
    ['an import of a folder without a rule', 'src/cli/main.ts', 'src/newfolder/thing.ts', 'no-orphan-folder'],
    ['model/ importing render/ (a cycle between folders)', 'src/model/plan.ts', 'src/render/json.ts', 'not-in-allowed'],
  ])('catches %s', (_what, from, to, rule) => {
    expect(caught(from, to, rule), JSON.stringify(violations.filter((v) => v.from === from))).toBe(true);
  });
});

describe('the zod import rule', () => {
  const refused = [
    ["import { z } from 'zod';", 'the z object'],
    ["import zod from 'zod';", "zod's default export"],
    ["import { z } from 'zod/v4';", 'the z object from a subpath'],
    ["export { z } from 'zod';", 'a re-export of the z object'],
    ["export { z as zed } from 'zod/v4';", 'a renamed re-export from a subpath'],
  ];
  const accepted = "import * as z from 'zod';\nimport type { ZodType } from 'zod';\nexport const s: ZodType = z.string();\n";
  const rulesOf = new Map<string, (string | null)[]>();

  beforeAll(async () => {
    // One lint of all the files: the type information is built once.
    const files = [...refused.map(([source]) => source!), accepted].map((source, i) => {
      const file = join(copy, `src/util/zod-injected-${i}.ts`);
      writeFileSync(file, `${source}\n`);
      return [file, source] as const;
    });
    const results = await new ESLint({ cwd: copy }).lintFiles(files.map(([file]) => file));
    for (const [file, source] of files) rulesOf.set(source, results.find((r) => r.filePath === file)?.messages.map((m) => m.ruleId) ?? []);
  }, 120_000);

  it.each(refused)('refuses %s (%s)', (source) => {
    expect(rulesOf.get(source)).toContain('no-restricted-syntax');
  });

  it("accepts import * as z from 'zod' and type imports", () => {
    expect(rulesOf.get(accepted)).not.toContain('no-restricted-syntax');
  });
});
