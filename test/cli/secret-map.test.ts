/**
 * The secrets map (CONNECTOROPS_SECRETS, src/cli/secret-map.ts): names are looked up in it only
 * when asked for, the environment wins over it, it never reaches a child process or a listing of
 * the environment, and a malformed map is refused without its text.
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET_MAP_ENV, withSecretMap } from '../../src/cli/secret-map.js';
import { UserError } from '../../src/errors.js';

const MAP = JSON.stringify({ CRM_CLIENT_SECRET: 'hunter2-crm', CONNECTOROPS_TOKEN: 'tok-123', EMPTY_IN_ENV: 'from-map' });

describe('withSecretMap', () => {
  afterEach(() => {
    delete process.env[SECRET_MAP_ENV];
  });

  it('leaves an environment without a map as it is (the same object)', () => {
    const env = { PATH: '/bin' };
    expect(withSecretMap(env)).toBe(env);
  });

  it('answers a name from the map when the environment lacks it, and the environment wins', () => {
    const env = withSecretMap({ PATH: '/bin', CONNECTOROPS_TOKEN: 'from-env', EMPTY_IN_ENV: '', [SECRET_MAP_ENV]: MAP });
    expect(env.CRM_CLIENT_SECRET).toBe('hunter2-crm');
    expect(env.CONNECTOROPS_TOKEN).toBe('from-env');
    expect(env.EMPTY_IN_ENV).toBe('from-map');
    expect(env.NOT_THERE).toBeUndefined();
    expect('CRM_CLIENT_SECRET' in env).toBe(true);
  });

  it('never lists, copies or serializes the map: only lookups by name see it', () => {
    const env = withSecretMap({ PATH: '/bin', [SECRET_MAP_ENV]: MAP });
    expect(Object.keys(env)).toEqual(['PATH']);
    expect({ ...env }).toEqual({ PATH: '/bin' });
    expect(JSON.stringify(env)).not.toContain('hunter2');
    expect(env[SECRET_MAP_ENV]).toBeUndefined();
  });

  it('takes the map out of the process environment, so that a child process never inherits it', () => {
    process.env[SECRET_MAP_ENV] = MAP;
    const env = withSecretMap(process.env);
    expect(env.CRM_CLIENT_SECRET).toBe('hunter2-crm');
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(process.env))'], { encoding: 'utf8' });
    expect(child.stdout).not.toContain(SECRET_MAP_ENV);
    expect(child.stdout).not.toContain('hunter2');
  });

  it('treats an empty map (a workflow without secrets) as none', () => {
    const env = withSecretMap({ PATH: '/bin', [SECRET_MAP_ENV]: '  ' });
    expect({ ...env }).toEqual({ PATH: '/bin' });
  });

  it('refuses a map that is not a JSON object of strings, never quoting it', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          const secretish = `${text}s3cr3t-value`;
          let map: unknown;
          try {
            map = JSON.parse(text);
          } catch {
            map = undefined;
          }
          const valid = text.trim() === '' || (map !== null && typeof map === 'object' && !Array.isArray(map) && Object.values(map).every((v) => typeof v === 'string'));
          for (const candidate of [text, secretish]) {
            try {
              withSecretMap({ [SECRET_MAP_ENV]: candidate });
              expect(candidate === text && valid).toBe(true);
            } catch (error) {
              expect(error).toBeInstanceOf(UserError);
              const e = error as UserError;
              expect(e.message).not.toContain('s3cr3t');
              if (candidate.trim().length > 3 && !/^[\s"{}[\]:,]*$/.test(candidate)) expect(e.message).not.toContain(candidate.trim());
            }
          }
        },
      ),
    );
    expect(() => withSecretMap({ [SECRET_MAP_ENV]: '{"A": 1}' })).toThrow("the value of 'A' is not a string");
    expect(() => withSecretMap({ [SECRET_MAP_ENV]: '["x"]' })).toThrow('is not a JSON object');
  });
});
