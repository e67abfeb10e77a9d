/**
 * True for a name of this machine: `localhost`, 127.0.0.0/8 and ::1 (bare, or in brackets as
 * URL.hostname keeps it). A name that only starts with `127.` (`127.example.com`) is not one.
 */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(host);
}
