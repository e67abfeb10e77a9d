/**
 * The one credential-free name of a target spec (issue 18, item 3): what plan files, stale checks,
 * PR comment markers and every message say. A PostgreSQL URL keeps its user, host, port, database
 * and schema, never its password nor any other parameter; an HTTP URL loses its user info, query
 * and fragment; a configured name or a `local:` path stays as it is. Surrounding whitespace is
 * dropped first, so ` postgres://…` is named like `postgres://…`.
 */

/** `scheme:` then the rest; `//` is optional so that a mistyped `postgres:/user:pw@…` loses its password too. */
const URL_SPEC = /^([a-z][a-z0-9+.-]*):(\/{0,2})([^]*)$/i;

/**
 * The user of `rest` (what follows `scheme://`) and what follows its user info. The user info ends
 * at the last `@` anywhere: a password may hold `@`, `/`, `?` or `#` unencoded, and cutting at an
 * earlier one would show the rest of it (an `@` in a query only loses the host from the name).
 */
function splitUserInfo(rest: string): { user: string; after: string } {
  const at = rest.lastIndexOf('@');
  if (at < 0) return { user: '', after: rest };
  const info = rest.slice(0, at);
  const colon = info.indexOf(':');
  return { user: colon < 0 ? info : info.slice(0, colon), after: rest.slice(at + 1) };
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `postgres://ops@db.example:5432/acme?schema=prod` for any spelling of that target, with or without a password. */
export function targetIdentity(spec: string): string {
  const text = spec.trim();
  const m = URL_SPEC.exec(text);
  if (!m || m[1]!.toLowerCase() === 'local') return text;
  const scheme = m[1]!.toLowerCase();
  const slashes = m[2]!;
  const { user, after } = splitUserInfo(m[3]!);
  const queryAt = after.search(/[?#]/);
  const location = queryAt < 0 ? after : after.slice(0, queryAt);
  if (scheme === 'postgres' || scheme === 'postgresql') {
    const query = queryAt < 0 || after[queryAt] === '#' ? '' : after.slice(queryAt + 1).split('#')[0]!;
    const schema = new URLSearchParams(query).get('schema');
    const slash = location.indexOf('/');
    const host = slash < 0 ? location : location.slice(0, slash);
    const database = slash < 0 ? '' : location.slice(slash + 1);
    const who = user ? `${encodeURIComponent(decoded(user))}@` : '';
    return `${scheme}:${slashes}${who}${host}/${database}${schema !== null ? `?schema=${encodeURIComponent(schema)}` : ''}`;
  }
  return `${scheme}:${slashes}${location}`;
}
