// A personal vault's payload for unit tests: a name in several scopes of one chain, one in
// another destination, one in another app, and a binary secret.
import type { Payload } from '../../src/vault/format.js';

export const AT = '2026-01-01T00:00:00.000Z';
/** \xff\xfe\0abc\x80: not UTF-8, with a NUL */
export const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0x61, 0x62, 0x63, 0x80]);

export function examplePayload(): Payload {
  const rec = (value: string) => ({ value, created_at: AT, updated_at: AT });
  return {
    secrets: {
      TOKEN: rec('global-token'),
      DB: rec('global-db'),
      'shop/DB': rec('shop-db'),
      'shop/production/DB': rec('prod-db'),
      'shop/staging/ONLY': rec('staging-only'),
      'blog/DB': rec('blog-db'),
      BLOB: { value_base64: BINARY.toString('base64'), created_at: AT, updated_at: AT },
    },
  };
}
