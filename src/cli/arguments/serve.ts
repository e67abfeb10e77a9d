/** `connectorops serve [--target T] [--host HOST] [--port N]`. */
import { UserError } from '../../errors.js';
import { isHelp, parseFlags, type Help } from '../args.js';
import { definedOnly } from '../../util/objects.js';

export const DEFAULT_PORT = 8080;

export interface ServeArgs {
  target?: string;
  /** Default 127.0.0.1: this machine only. */
  host: string;
  /** 0 to 65535; 0 picks a free port. */
  port: number;
}

export function parseServeArgs(argv: readonly string[]): ServeArgs | Help {
  const flags = parseFlags(argv, {
    target: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: String(DEFAULT_PORT) },
  });
  if (isHelp(flags)) return flags;
  const { values } = flags;
  // An empty host is every interface to the listener, the opposite of the default: `--host "$HOST"`
  // with HOST unset must not put the target on the network.
  if (values.host.trim() === '') {
    throw new UserError('--host is empty: an empty host would serve the target on every network interface', {
      hint: 'leave --host out to serve this machine only (127.0.0.1), or name the address, e.g. --host 0.0.0.0 for every interface',
    });
  }
  return { host: values.host, port: parsePort(values.port), ...definedOnly({ target: values.target }) };
}

/** `--port N`: 0 to 65535 (0 picks a free port), else a UserError. Shared with `studio`. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UserError(`--port ${value} is not a port number`, { hint: 'a number from 0 to 65535 (0 picks a free port)' });
  return port;
}
