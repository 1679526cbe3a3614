// Tables keyed by names users choose (secret names, environment variables, apps): without
// a prototype, so that a name like a member of Object.prototype (toString, constructor,
// __proto__) is read, set and passed on like any other. Node built-ins only: the fast paths use it.

/** A table holding `entries`, without a prototype: plain indexing reads and sets only its own names. */
export const table = <T>(entries: Readonly<Record<string, T>> = {}): Record<string, T> =>
  Object.assign(Object.create(null) as Record<string, T>, entries);

/** A copy of an environment to change, as a table. */
export const environmentCopy = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => table(env);

/** What `key` holds in `t` itself: never a member of Object.prototype, whatever `t` was built as. */
export const own = <T>(t: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(t, key) ? t[key] : undefined;
