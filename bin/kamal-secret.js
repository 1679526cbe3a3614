#!/usr/bin/env node
// Thin launcher, CommonJS (bin/package.json) because it starts faster than an ES module.
// What it can answer without the full CLI, it does, since every module loaded costs start
// time: --version and help from texts commander rendered at build time
// (dist/cli-text.json); get, run and check through their fast paths when an unlocked agent
// answers (one CommonJS file each, bundled by esbuild); a bare `agent` (how clients start
// one) without the command parser. Everything else, and any fast path that declines, runs
// the full CLI.
'use strict';

const FAST_PATHS = {
  get: () => require('../dist/fast-get.cjs').fastGet,
  run: () => require('../dist/fast-run.cjs').fastRun,
  check: () => require('../dist/fast-check.cjs').fastCheck,
};

/** Every argument list dist/cli-text.json holds has one of these. */
const TEXT_WORDS = new Set(['--version', '-V', '--help', '-h', 'help']);

// A reader that stops early (`kamal-secret list | head -1`, `| grep -q`) closes the pipe. That is no
// error: the rest of the output is dropped without a word and the command ends with its own status
// (not SIGPIPE's 141, which would fail a `set -o pipefail` script that only wanted the first line).
// Not before the fast paths: creating the two streams costs them a few milliseconds.
let endsQuietly = false;
function endQuietlyOnClosedPipes() {
  if (endsQuietly) return;
  endsQuietly = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
}

async function launch() {
  const args = process.argv.slice(2);
  const [command, ...rest] = args;
  const fastPath = Object.hasOwn(FAST_PATHS, command) ? FAST_PATHS[command] : null;
  // The fast paths write without process.stdout and process.stderr (src/light/stdio.ts).
  if (!fastPath) endQuietlyOnClosedPipes();
  if (printBuiltText(args)) return;
  if (fastPath && (await fastPath()(rest))) {
    // A fast path has written all it prints synchronously (run's command has ended). Ending here
    // spares it Node's teardown of what is still open.
    process.exit();
  }
  endQuietlyOnClosedPipes();
  // Off the fast paths, a bug's stack trace points at src/ (source maps cost start time, so not before).
  process.setSourceMapsEnabled(true);
  if (command === 'agent' && rest.length === 0) return (await import('../dist/agent/main.js')).agentMain();
  const { main } = await import('../dist/cli/main.js');
  await main();
}

/** Print what commander printed for these exact arguments at build time, if it can be the same now. */
function printBuiltText(args) {
  if (!args.some((arg) => TEXT_WORDS.has(arg))) return false; // spare get, run and check the file
  const { outputs, texts } = require('../dist/cli-text.json');
  const output = Object.hasOwn(outputs, JSON.stringify(args)) ? outputs[JSON.stringify(args)] : null;
  // On a terminal commander wraps help to its width; the texts were rendered for a pipe.
  if (!output || (process.stdout.isTTY && !output.anyWidth)) return false;
  endQuietlyOnClosedPipes();
  process.stdout.write(texts[output.text]);
  return true;
}

launch().catch((err) => {
  process.stderr.write(`${err?.stack ? err.stack : err}\n`);
  process.exitCode = 1;
});
