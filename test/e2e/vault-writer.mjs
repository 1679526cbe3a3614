// A writer for durability.test.ts: sets W<id>_0, W<id>_1, ... one write at a time through
// the vault's own store (no Argon2id per process, so hundreds of writes fit in seconds),
// printing "ack NAME" once each write has returned. The vault key arrives on stdin as hex.
// Usage: node vault-writer.mjs VAULT PREFIX
import fs from 'node:fs';
import { sodium } from '../../dist/vault/crypto.js';
import { LocalSession } from '../../dist/vault/session.js';

const [vault, prefix] = process.argv.slice(2);
const key = new Uint8Array(Buffer.from(fs.readFileSync(0, 'utf8').trim(), 'hex'));
await sodium(); // loaded before the first write, as a real `set` has it after unlocking
for (let i = 0; ; i++) {
  const name = `${prefix}_${i}`;
  await new LocalSession(vault, key).mutate({ op: 'set', ref: name, value: `value-of-${name}` });
  process.stdout.write(`ack ${name}\n`);
}
