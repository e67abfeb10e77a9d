#!/usr/bin/env node
import module from 'node:module';

// Node.js 22.1 and later keep V8's compiled code of the bundle on disk (in the OS's temporary
// folder; NODE_DISABLE_COMPILE_CACHE=1 turns it off), so that later runs skip compiling it, as
// TypeScript's `tsc` does. Node 20 has no such cache: there, nothing happens (docs/install.md).
module.enableCompileCache?.();

// `connectorops target export | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const { main } = await import('../dist/bundle/main.js');
process.exitCode = await main(process.argv.slice(2));
