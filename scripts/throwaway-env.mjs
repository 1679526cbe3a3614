// The environment of a throwaway vault: its own vault file, agent socket and
// passphrase, no keychain, no prompt, no colour, and none of the caller's variables
// that would change what a command does. One definition for the tests
// (test/helpers/cli.ts), the benchmarks (bench/lib.js) and the demo (scripts/demo.sh).
//
// From a shell: eval "$(node scripts/throwaway-env.mjs DIR)" prints export/unset lines.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const THROWAWAY_PASSPHRASE = 'throwaway vault passphrase';

/** Variables to set (strings) and to remove (undefined) for a throwaway vault in `dir`. */
export function throwawayEnv(dir, passphrase = THROWAWAY_PASSPHRASE) {
  return {
    KAMAL_SECRET_VAULT: path.join(dir, 'data', 'vault.json'),
    KAMAL_SECRET_AGENT_SOCK: path.join(dir, 'run', 'agent.sock'),
    KAMAL_SECRET_PASSPHRASE: passphrase,
    KAMAL_SECRET_NO_KEYCHAIN: '1',
    KAMAL_SECRET_NO_TTY: '1',
    NO_COLOR: '1',
    KAMAL_SECRET_NO_AGENT: undefined,
    KAMAL_SECRET_SCOPE: undefined,
    KAMAL_DESTINATION: undefined,
    GITLAB_TOKEN: undefined,
    GITLAB_URL: undefined,
    CI_SERVER_URL: undefined,
  };
}

/** `process.env` with `changes` applied (undefined removes a variable). */
export function withEnv(changes, base = process.env) {
  const env = { ...base };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quote = (v) => `'${v.replace(/'/g, `'\\''`)}'`;
  for (const [name, value] of Object.entries(throwawayEnv(path.resolve(process.argv[2])))) {
    console.log(value === undefined ? `unset ${name}` : `export ${name}=${quote(value)}`);
  }
}
