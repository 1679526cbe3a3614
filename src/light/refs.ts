// Secret names, scopes and references (DESIGN.md §2).
//   NAME   ^[A-Za-z_][A-Za-z0-9_]{0,254}$
//   scope  "" (global) | APP | APP/DESTINATION, segments ^[A-Za-z0-9][A-Za-z0-9._-]*$
//   ref    [SCOPE/]NAME, stored in the vault as the key of its record; on the command
//          line `:NAME` names the global scope explicitly (inside an app, a bare NAME
//          means APP/NAME)

import { UsageError } from '../errors.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface Ref {
  scope: string;
  name: string;
}

export const isValidName = (name: string) => NAME.test(name);

export function validateName(name: string): string {
  if (!NAME.test(name)) {
    throw new UsageError(
      `invalid secret name "${name}": use letters, digits and _, not starting with a digit, at most 255 characters (like an env var)`,
    );
  }
  return name;
}

/** One segment of a scope: an app, or a destination. */
export const isValidScopeSegment = (segment: string) => SEGMENT.test(segment);

export function validateScope(scope: string): string {
  if (scope === '') return scope;
  const segments = scope.split('/');
  if (segments.length > 2 || !segments.every(isValidScopeSegment)) {
    throw new UsageError(
      `invalid scope "${scope}": use APP or APP/DESTINATION, each starting with a letter or digit and made of letters, digits, ".", "_" and "-"`,
    );
  }
  return scope;
}

/** Parse `[SCOPE/]NAME` or `:NAME` (global); a bare NAME takes `defaultScope`. */
export function parseRef(text: string, defaultScope: string): Ref {
  if (text.startsWith(':')) return { scope: '', name: validateName(text.slice(1)) };
  const slash = text.lastIndexOf('/');
  if (slash === -1) return { scope: validateScope(defaultScope), name: validateName(text) };
  const scope = text.slice(0, slash);
  if (scope === '') throw new UsageError(`invalid reference "${text}": write NAME, APP/NAME or APP/DESTINATION/NAME`);
  return { scope: validateScope(scope), name: validateName(text.slice(slash + 1)) };
}

export const formatRef = ({ scope, name }: Ref) => (scope ? `${scope}/${name}` : name);

/** A reference as a user types it in a hint: `:NAME` for the global scope, which a bare NAME inside an app is not. */
export const commandLineRef = ({ scope, name }: Ref) => (scope ? `${scope}/${name}` : `:${name}`);

export function splitRef(ref: string): Ref {
  const slash = ref.lastIndexOf('/');
  return slash === -1 ? { scope: '', name: ref } : { scope: ref.slice(0, slash), name: ref.slice(slash + 1) };
}

/** Scopes searched for a lookup from `scope`, innermost first: APP/DEST, APP, "". */
export function scopeChain(scope: string): string[] {
  if (scope === '') return [''];
  const [app, dest] = scope.split('/');
  return dest ? [`${app}/${dest}`, app, ''] : [app, ''];
}

/**
 * Which reference each name comes from along `chain` (innermost scope first): the innermost
 * of `refs` that names it. The one precedence rule of every lookup; the team's turn before
 * the personal vault's within a scope is the caller's, who answers each reference.
 */
export function winningRefs(refs: Iterable<string>, chain: string[]): Map<string, string> {
  const rank = new Map(chain.map((scope, i) => [scope, i]));
  const winners = new Map<string, { ref: string; rank: number }>();
  for (const ref of refs) {
    const { scope, name } = splitRef(ref);
    const at = rank.get(scope);
    const best = winners.get(name);
    if (at !== undefined && (!best || at < best.rank)) winners.set(name, { ref, rank: at });
  }
  return new Map([...winners].map(([name, { ref }]) => [name, ref]));
}

/** The reference `name` comes from along `chain`: the innermost that `holds`, by the rule of winningRefs. */
export function winningRef(name: string, chain: string[], holds: (ref: string) => boolean): string | null {
  for (const scope of chain) {
    const ref = formatRef({ scope, name });
    if (holds(ref)) return ref;
  }
  return null;
}

/** A scope in a sentence: "the global scope", "scope shop/production". */
export const describeScope = (scope: string) => (scope === '' ? 'the global scope' : `scope ${scope}`);
