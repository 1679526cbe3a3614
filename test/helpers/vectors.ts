// The vault test vectors (test/vectors/*.vector, docs/vault-format.md): a header of
// `key: value` lines, a blank line, then the vault file byte for byte. Read here, and
// installed where a test wants them: the vault, its backup, the write count seen.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './cli.js';

export const VECTORS_DIR = path.join(ROOT, 'test', 'vectors');

export type Outcome = 'success' | 'header failure' | 'wrong passphrase' | 'payload failure';
const OUTCOMES: Outcome[] = ['success', 'header failure', 'wrong passphrase', 'payload failure'];
const KEYS = ['expect', 'passphrase', 'message', 'warning', 'backup', 'seen', 'secrets', 'comment'];

export interface Vector {
  name: string;
  expect: Outcome;
  passphrase: string;
  /** a part of the error message (failures) */
  message?: string;
  /** a part of the warning a successful read gives */
  warning?: string;
  /** another vector whose vault is vault.json.bak */
  backup?: string;
  /** the write count this machine has seen of the vault */
  seen?: number;
  /** every secret: text, or {"base64"} for bytes that are not text (success) */
  secrets?: Record<string, string | { base64: string }>;
  /** the vault file itself */
  body: string;
}

export function readVector(name: string): Vector {
  const text = fs.readFileSync(path.join(VECTORS_DIR, `${name}.vector`), 'utf8');
  const split = text.indexOf('\n\n');
  const fields: Record<string, string> = {};
  for (const line of text.slice(0, split).split('\n')) {
    const m = /^([a-z]+): (.*)$/.exec(line);
    if (!m || !KEYS.includes(m[1])) throw new Error(`${name}: unknown header line ${JSON.stringify(line)}`);
    fields[m[1]] = m[2];
  }
  if (!OUTCOMES.includes(fields.expect as Outcome)) throw new Error(`${name}: expect must be one of ${OUTCOMES}`);
  return {
    name,
    expect: fields.expect as Outcome,
    passphrase: fields.passphrase,
    message: fields.message,
    warning: fields.warning,
    backup: fields.backup,
    seen: fields.seen === undefined ? undefined : Number(fields.seen),
    secrets: fields.secrets === undefined ? undefined : JSON.parse(fields.secrets),
    body: text.slice(split + 2),
  };
}

export const vectorNames = () =>
  fs
    .readdirSync(VECTORS_DIR)
    .filter((f) => f.endsWith('.vector'))
    .map((f) => f.slice(0, -'.vector'.length))
    .sort();

/** Put the vector's vault (and its backup and write count record) at `vaultPath`, 0600 in a 0700 directory. */
export function installVector(v: Vector, vaultPath: string): void {
  fs.mkdirSync(path.dirname(vaultPath), { recursive: true, mode: 0o700 });
  const put = (file: string, text: string) => fs.writeFileSync(file, text, { mode: 0o600 });
  put(vaultPath, v.body);
  if (v.backup) put(`${vaultPath}.bak`, readVector(v.backup).body);
  if (v.seen !== undefined) {
    const vaultId = JSON.parse(v.body).header.vault_id;
    put(`${vaultPath}.seen`, JSON.stringify({ vault_id: vaultId, write_count: v.seen }));
  }
}

/** The expected secrets as bytes. */
export function expectedBytes(v: Vector): Record<string, Buffer> {
  return Object.fromEntries(
    Object.entries(v.secrets ?? {}).map(([ref, value]) => [
      ref,
      typeof value === 'string' ? Buffer.from(value) : Buffer.from(value.base64, 'base64'),
    ]),
  );
}
