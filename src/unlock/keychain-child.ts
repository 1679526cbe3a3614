// Runs one OS keychain call in its own short-lived process, because a keychain call
// can hang forever (a locked keyring waiting on a prompt, a frozen D-Bus). The parent
// kills it after a hard timeout. Protocol: argv `get|set ACCOUNT`; `set` reads
// the key (base64) on stdin; `get` prints it on stdout; exit 0 found/done, 3 absent,
// 1 error with one line on stderr.

import { Entry } from '@napi-rs/keyring';
import { KEYCHAIN_SERVICE } from './keychain.js';

const [op, account] = process.argv.slice(2);

async function main(): Promise<number> {
  // Pinned to Secret Service: the kernel keyring fallback loses keys on reboot.
  const entry = new Entry(KEYCHAIN_SERVICE, account, { linux: { store: 'secret-service' } });
  switch (op) {
    case 'get': {
      const secret = entry.getPassword();
      if (secret === null || secret === undefined) return 3;
      process.stdout.write(secret);
      return 0;
    }
    case 'set': {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      entry.setPassword(Buffer.concat(chunks).toString('utf8').trim());
      return entry.getPassword() ? 0 : 1;
    }
    default:
      process.stderr.write(`unknown keychain operation ${op}\n`);
      return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${String((err as Error).message ?? err).split('\n')[0]}\n`);
    process.exit(1);
  },
);
