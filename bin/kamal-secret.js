#!/usr/bin/env node
// Thin launcher, CommonJS (bin/package.json) because it starts faster than an ES module.
// `get` takes a fast path that asks a running agent and loads nothing heavy (one
// CommonJS file bundled by esbuild, since every extra module costs start time); a bare
// `agent` (how clients start one) skips the command parser; everything else, and
// `get` when the agent cannot answer, runs the full CLI.
'use strict';

// A reader that stops early (`kamal-secret list | head -1`, `| grep -q`) closes the pipe. That is no
// error: the rest of the output is dropped without a word and the command ends with its own status
// (not SIGPIPE's 141, which would fail a `set -o pipefail` script that only wanted the first line).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

async function launch() {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'get' && (await require('../dist/fast-get.cjs').fastGet(rest))) return;
  // Off the fast paths, a bug's stack trace points at src/ (source maps cost start time, so not before).
  process.setSourceMapsEnabled(true);
  if (command === 'agent' && rest.length === 0) return (await import('../dist/agent/main.js')).agentMain();
  const { main } = await import('../dist/cli/main.js');
  await main();
}

launch().catch((err) => {
  process.stderr.write(`${err?.stack ? err.stack : err}\n`);
  process.exitCode = 1;
});
