/** Types of postgres-server.mjs: a throwaway PostgreSQL server for tests and benchmarks. */
export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` (trust auth on loopback: no password). */
  url: string;
  port: number;
  /** A URL of the test database with `?schema=NAME`. */
  target(schema: string): string;
  /** Stops the server the fast way and starts it again on the same port and data. */
  restart(): void;
  /** Stops the server and removes its folder. */
  stop(): void;
}

/** initdb into a temp folder and start `postgres` on a free loopback port; throws saying why it cannot. */
export function startPostgres(): Promise<TestPostgres>;
/** A schema name of its own for one test (several targets in one database). */
export function freshSchema(prefix?: string): string;
