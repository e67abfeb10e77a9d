/** connectorops.yaml and how `--target` becomes a target spec. */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { emptyConfig, parseConfig, resolveTarget, resolveTargetSpec, type ProjectConfig } from '../../src/manifest/config.js';

const config = (text: string) => parseConfig('connectorops.yaml', text);

describe('connectorops.yaml', () => {
  it('reads targets and a default', () => {
    const c = config('defaultTarget: staging\ntargets:\n  staging: { url: "local:state/staging.db" }\n  production:\n    url: https://creator.example:8443\n');
    expect(c.errors).toEqual([]);
    expect(c.config).toEqual({
      defaultTarget: 'staging',
      targets: { staging: { url: 'local:state/staging.db' }, production: { url: 'https://creator.example:8443' } },
      protect: [],
      environments: ['production'],
      file: 'connectorops.yaml',
    });
  });

  it('an empty file is an empty config', () => {
    expect(config('# nothing yet\n')).toEqual({
      config: { targets: {}, protect: [], environments: ['production'], file: 'connectorops.yaml' },
      errors: [],
      warnings: [],
    });
  });

  it('defaultTarget may be a spec rather than a name', () => {
    expect(config('defaultTarget: http://127.0.0.1:8080\n').errors).toEqual([]);
  });

  it.each([
    ['an unknown key', 'defaultTarget: a\ntargets: {a: {url: "local:x"}}\nextra: 1\n', 3, "unknown key 'extra'"],
    ['an unknown key in a target', 'targets:\n  prod:\n    url: https://x.example\n    token: abc\n', 4, "unknown key 'token'"],
    ['a url that is no target', 'targets:\n  prod:\n    url: /var/db\n', 3, 'local:PATH'],
    ['a target name that looks like a spec', 'targets:\n  "local:x": { url: "local:y" }\n', 2, 'target name'],
    ['a default naming no target', 'defaultTarget: prod\n', 1, "defaultTarget 'prod'"],
    ['two documents', 'targets: {}\n---\ntargets: {}\n', 3, 'one YAML document'],
    ['a list', '- a\n', 1, 'must be a mapping'],
  ])('%s is an error with its position', (_, text, line, says) => {
    const c = config(text);
    expect(c.errors).toHaveLength(1);
    expect(c.errors[0]).toMatchObject({ file: 'connectorops.yaml', line });
    expect(c.errors[0]!.message + (c.errors[0]!.hint ?? '')).toContain(says);
    expect(c.config.targets).toEqual({});
  });
});

describe('resolveTargetSpec', () => {
  const dir = '/repo';
  const cwd = '/home/me/work';
  const cfg: ProjectConfig = {
    defaultTarget: 'staging',
    targets: { staging: { url: 'local:state/staging.db' }, production: { url: 'https://creator.example' } },
    protect: [],
    environments: ['production'],
    file: 'connectorops.yaml',
  };

  it('a configured name gives its url; a relative local path there is relative to the repo', () => {
    expect(resolveTargetSpec('production', cfg, dir, cwd)).toBe('https://creator.example');
    expect(resolveTargetSpec('staging', cfg, dir, cwd)).toBe('local:/repo/state/staging.db');
  });

  it('a spec on the command line is taken as given; a relative local path there is relative to cwd', () => {
    expect(resolveTargetSpec('local:x.db', cfg, dir, cwd)).toBe('local:/home/me/work/x.db');
    expect(resolveTargetSpec('local:/abs/x.db', cfg, dir, cwd)).toBe('local:/abs/x.db');
    expect(resolveTargetSpec('http://127.0.0.1:8080', cfg, dir, cwd)).toBe('http://127.0.0.1:8080');
    expect(resolveTargetSpec('https://h.example/base', cfg, dir, cwd)).toBe('https://h.example/base');
  });

  it('a URL held in an environment variable (a CI secret): url: { fromEnv }; unset or not a spec is a UserError that never quotes it', () => {
    const parsed = parseConfig('connectorops.yaml', 'targets:\n  production:\n    url: { fromEnv: PRODUCTION_TARGET_URL }\n');
    expect(parsed.errors).toEqual([]);
    const url = 'postgres://ops@db.internal:5432/ops?schema=acme_prod';
    expect(resolveTargetSpec('production', parsed.config, dir, cwd, { PRODUCTION_TARGET_URL: url })).toBe(url);
    expect(() => resolveTargetSpec('production', parsed.config, dir, cwd, {})).toThrow(
      "target 'production' in connectorops.yaml takes its URL from PRODUCTION_TARGET_URL, which is not set",
    );
    const e = (() => {
      try {
        return resolveTargetSpec('production', parsed.config, dir, cwd, { PRODUCTION_TARGET_URL: 'hunter2-not-a-url' });
      } catch (x) {
        return x as Error;
      }
    })() as Error;
    expect(e.message).toBe("target 'production': PRODUCTION_TARGET_URL does not hold a target spec");
    expect(parseConfig('connectorops.yaml', 'targets:\n  p:\n    url: { fromEnv: 1BAD }\n').errors).toHaveLength(1);
  });

  it('postgres:// and postgresql:// are target specs, on the command line and in the config', () => {
    expect(resolveTargetSpec('postgres://ops@h/db?schema=s', cfg, dir, cwd)).toBe('postgres://ops@h/db?schema=s');
    expect(parseConfig('connectorops.yaml', 'targets:\n  p:\n    url: postgresql://ops@h/db\n').errors).toEqual([]);
  });

  it('without a flag: the configured default, then the built-in default, both relative to the repo', () => {
    expect(resolveTargetSpec(undefined, cfg, dir, cwd)).toBe('local:/repo/state/staging.db');
    expect(resolveTargetSpec(undefined, { ...cfg, defaultTarget: 'local:d.db' }, dir, cwd)).toBe('local:/repo/d.db');
    expect(resolveTargetSpec(undefined, emptyConfig(), dir, cwd)).toBe('local:/repo/.connectorops/local.db');
  });

  it('a relative repo dir is taken from cwd', () => {
    expect(resolveTargetSpec(undefined, emptyConfig(), 'infra', cwd)).toBe(`local:${resolve(cwd, 'infra/.connectorops/local.db')}`);
  });

  it('an unknown name is a UserError that lists the configured names', () => {
    expect(() => resolveTargetSpec('prod', cfg, dir, cwd)).toThrow(UserError);
    try {
      resolveTargetSpec('prod', cfg, dir, cwd);
    } catch (e) {
      expect((e as UserError).message).toBe("unknown target 'prod'; did you mean 'production'?");
      expect((e as UserError).details.hint).toContain('configured targets: production, staging');
    }
    expect(() => resolveTargetSpec('prod', emptyConfig(), dir, cwd)).toThrow(/unknown target 'prod'/);
  });

  it('local: without a path, and other schemes, are UserErrors', () => {
    expect(() => resolveTargetSpec('local:', cfg, dir, cwd)).toThrow(UserError);
    expect(() => resolveTargetSpec('ftp://x', cfg, dir, cwd)).toThrow(UserError);
  });
});

describe('resolveTarget', () => {
  const repo = resolve('/repo');
  it('names the target as the user typed it, or the default they did not type, never with a password', () => {
    const c = config('defaultTarget: staging\ntargets:\n  staging: { url: "local:state/staging.db" }\n').config;
    expect(resolveTarget(undefined, c, repo, repo, {})).toEqual({ spec: `local:${resolve(repo, 'state/staging.db')}`, name: 'staging' });
    expect(resolveTarget('postgres://ops:hunter2@db.example/creator', c, repo, repo, {})).toEqual({
      spec: 'postgres://ops:hunter2@db.example/creator',
      name: 'postgres://ops@db.example/creator',
    });
    expect(resolveTarget(undefined, emptyConfig(), repo, repo, {}).name).toBe('local:.connectorops/local.db');
  });
});
