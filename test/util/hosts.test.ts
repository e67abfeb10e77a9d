import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../src/util/hosts.js';

describe('isLoopbackHost: where a token may travel over plain http, and where serve does not warn', () => {
  it('knows this machine by name, by 127.0.0.0/8 and by ::1', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]']) expect(isLoopbackHost(host), host).toBe(true);
  });
  it('a name that only looks like one is not', () => {
    for (const host of ['127.example.com', 'localhost.example.com', '0.0.0.0', '10.0.0.1', '::', 'example.com']) expect(isLoopbackHost(host), host).toBe(false);
  });
});
