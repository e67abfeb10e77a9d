/**
 * Lookups by a name the user chose (an environment variable in `fromEnv`, a target name, a
 * command): own properties only. A plain `record[name]` walks the prototype chain, so that
 * `fromEnv: constructor` would find Object's constructor function where a string was expected.
 */
export function ownValue<T>(record: Readonly<Record<string, T>> | NodeJS.ProcessEnv, name: string): T | undefined {
  return Object.hasOwn(record, name) ? (record as Record<string, T>)[name] : undefined;
}

/** A secret by the name a manifest or a plan gives it (`fromEnv`): its value, or undefined when unset or empty. */
export type SecretReader = (name: string) => string | undefined;

/**
 * The one way plan, apply and rollouts read a secret from the environment: own properties only
 * (`fromEnv: constructor`, `__proto__` or `toString` is a variable like any other, unset unless
 * set), strings only, an empty value counts as unset.
 */
export function readSecrets(env: NodeJS.ProcessEnv): SecretReader {
  return (name) => {
    const value = ownValue(env, name);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
}
