/**
 * Lookups by a name the user chose (an environment variable in `fromEnv`, a target name, a
 * command): own properties only. A plain `record[name]` walks the prototype chain, so that
 * `fromEnv: constructor` would find Object's constructor function where a string was expected.
 */
export function ownValue<T>(record: Readonly<Record<string, T>> | NodeJS.ProcessEnv, name: string): T | undefined {
  return Object.hasOwn(record, name) ? (record as Record<string, T>)[name] : undefined;
}
