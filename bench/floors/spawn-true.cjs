// The floor under `run`: a Node program that starts `true` and waits for it, with nothing
// of kamal-secret loaded (bench/run.js times it). Node's child_process and the fork cost
// it alone, before any secret is fetched.
require('node:child_process')
  .spawn('true', [], { stdio: 'inherit' })
  .on('exit', (code) => process.exit(code));
