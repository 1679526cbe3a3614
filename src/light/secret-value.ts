// A secret's value is bytes. The vault and the agent's protocol carry it as `value`
// (the text itself) when the bytes are text, else as `value_base64`. Text means valid
// UTF-8 without a NUL byte: what an environment variable, a dotenv or JSON value and a
// GitLab variable can hold. Anything else is binary, and only `get` returns it.
// Node built-ins only: the fast bundles use this module.

import { isUtf8 } from 'node:buffer';

export type StoredValue = { value: string; value_base64?: undefined } | { value?: undefined; value_base64: string };

const isText = (bytes: Uint8Array) => isUtf8(bytes) && !bytes.includes(0);

/** The stored form of `bytes` (a string is taken as its UTF-8 bytes). */
export function storedValue(bytes: Uint8Array | string): StoredValue {
  const buf =
    typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  return isText(buf) ? { value: buf.toString('utf8') } : { value_base64: buf.toString('base64') };
}

/** The bytes of a stored value; throws TypeError when it is neither form. */
export function valueBytes(v: StoredValue): Buffer {
  if (typeof v.value === 'string' && v.value_base64 === undefined) return Buffer.from(v.value);
  if (typeof v.value_base64 === 'string' && v.value === undefined && isBase64(v.value_base64))
    return Buffer.from(v.value_base64, 'base64');
  throw new TypeError('a value is a string "value" or a base64 "value_base64"');
}

/** Standard base64, padded (what Buffer's toString('base64') writes). */
export const isBase64 = (text: string) => text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);

/** The text of a stored value, or null when its bytes are binary. */
export function textOf(v: StoredValue): string | null {
  const bytes = valueBytes(v);
  return isText(bytes) ? bytes.toString('utf8') : null;
}
