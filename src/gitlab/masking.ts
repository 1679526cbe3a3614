// GitLab's masking rules (reference/gitlab-variables.md, app/models/concerns/ci/maskable.rb).

/** Masked and expanded (raw: false): the older rule, the only one on older servers. */
const MASKED_EXPANDED = /^[a-zA-Z0-9_+=/@:.~-]{8,}$/u;
/** Masked and raw: at least 8 characters, none of Ruby's ASCII white space. */
const MASKED_RAW = /^[^ \t\r\n\f\v]{8,}$/u;

export type Compat = 'current' | 'old';

export type Maskability = { maskable: true } | { maskable: false; reason: string; multiline: boolean };

/**
 * Whether GitLab will accept `value` as masked. Variables are always sent with
 * raw: true, so the runner never expands a `$` inside a secret; on servers that
 * only know the older rule, values outside its character set cannot be masked.
 */
export function maskability(value: string, compat: Compat = 'current'): Maskability {
  if (/[\r\n]/.test(value))
    return { maskable: false, multiline: true, reason: 'multi-line values can never be masked' };
  const length = [...value].length;
  if (length < 8)
    return {
      maskable: false,
      multiline: false,
      reason: `shorter than 8 characters (${length}): GitLab cannot mask it`,
    };
  if (compat === 'old') {
    return MASKED_EXPANDED.test(value)
      ? { maskable: true }
      : {
          maskable: false,
          multiline: false,
          reason: 'has characters outside A-Z a-z 0-9 _+=/@:.~- that this GitLab version cannot mask',
        };
  }
  return MASKED_RAW.test(value)
    ? { maskable: true }
    : { maskable: false, multiline: false, reason: 'contains white space: GitLab cannot mask it' };
}
