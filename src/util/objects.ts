/**
 * `T` with its possibly-undefined properties made optional and never undefined: what
 * `exactOptionalPropertyTypes` accepts for a field that may be absent.
 */
export type Defined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/**
 * `value` without its undefined properties, so that an absent field stays absent (a flag not
 * given, an error detail a server left out, a record zod parsed) instead of being `undefined`.
 */
export function definedOnly<T extends object>(value: T): Defined<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Defined<T>;
}
