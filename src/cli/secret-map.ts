/**
 * CONNECTOROPS_SECRETS: every secret of a GitHub repository as one JSON object (the action's
 * `secrets: ${{ toJSON(secrets) }}`, docs/github.md), so that a new `fromEnv` in a manifest needs
 * a new repository secret and nothing else: no hand-edited workflow.
 *
 * The map is taken out of the environment at start-up (so git and every other child process never
 * inherit it), and a name is looked up in it only when connectorops asks for that name: a
 * manifest's fromEnv, the target's CONNECTOROPS_TOKEN, comment's GITHUB_TOKEN. Listing or copying
 * the environment never shows its entries. A variable set in the environment itself wins over
 * the map. Its text is never printed, not even in its own error.
 */
import { UserError } from '../errors.js';

export const SECRET_MAP_ENV = 'CONNECTOROPS_SECRETS';

/** `env` itself when it holds no map; else `env` without the map, reading names from the map as a fallback. */
export function withSecretMap(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const text = env[SECRET_MAP_ENV];
  if (text === undefined) return env;
  delete env[SECRET_MAP_ENV];
  if (text.trim() === '') return env;
  const secrets = parseSecretMap(text);
  return new Proxy(env, {
    get(own, name) {
      if (typeof name !== 'string') return undefined;
      // Own properties only: `constructor` or `toString` must not find process.env's prototype.
      const value = Object.hasOwn(own, name) ? own[name] : undefined;
      if (value !== undefined && value !== '') return value;
      return Object.hasOwn(secrets, name) ? secrets[name] : value;
    },
    has(own, name) {
      return name in own || (typeof name === 'string' && Object.hasOwn(secrets, name));
    },
    // Own-property lookups (model/own.ts: Object.hasOwn) see the map's names too.
    getOwnPropertyDescriptor(own, name) {
      const mine = Reflect.getOwnPropertyDescriptor(own, name);
      if (mine && mine.value !== undefined && mine.value !== '') return mine;
      if (typeof name === 'string' && Object.hasOwn(secrets, name)) return { value: secrets[name], writable: true, enumerable: true, configurable: true };
      return mine;
    },
  });
}

function parseSecretMap(text: string): Record<string, string> {
  const hint = "pass the repository's secrets as `secrets: ${{ toJSON(secrets) }}`, or leave CONNECTOROPS_SECRETS unset";
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UserError(`${SECRET_MAP_ENV} is not JSON (its text is not shown: it holds secrets)`, { hint });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError(`${SECRET_MAP_ENV} is not a JSON object of names and values`, { hint });
  }
  const secrets: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, secret] of Object.entries(value)) {
    if (typeof secret !== 'string') throw new UserError(`${SECRET_MAP_ENV}: the value of '${name}' is not a string`, { hint });
    secrets[name] = secret;
  }
  return secrets;
}
