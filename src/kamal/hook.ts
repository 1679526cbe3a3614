// The pre-connect hook `kamal-secret kamal init` installs. Plain POSIX sh, so it also
// guards deploys in CI, where kamal-secret is not installed. Kamal runs hooks in the
// app's directory with every secret in their environment (and KAMAL_DESTINATION for
// -d); the hook reads the names from the secrets files Kamal reads and refuses any that
// is empty, naming it, never printing a value. It fails closed: a secrets file it
// cannot read stops the deploy too.

const HOOK_MARKER = '# kamal-secret pre-connect guard';
export const CHAINED_HOOK = 'pre-connect.before-kamal-secret';

/** Whether a hook's text is the guard below (any version of it). */
export const isGuardHook = (text: string) => text.includes(HOOK_MARKER);

/** Single-quoted for sh: any path, spaces and quotes included, stays one word. */
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export const preConnectHook = (secretsPath: string) => `#!/bin/sh
${HOOK_MARKER}: stop the deploy before any SSH connection
# when a secret Kamal loaded is empty. Installed by \`kamal-secret kamal init\`.
set -uf
ks_path_=${shellQuote(secretsPath)}
ks_empty_=""
ks_refuse_() {
  echo "kamal-secret: refusing to deploy: $1" >&2
  echo "kamal-secret: fix: kamal-secret check, then kamal-secret set NAME (or set the CI variable)" >&2
  exit 1
}
# Names defined in one secrets file Kamal reads; a missing file is skipped, as Kamal skips it.
ks_check_() {
  if [ ! -e "$1" ] && [ ! -L "$1" ]; then return 0; fi
  if [ ! -f "$1" ] || [ ! -r "$1" ]; then ks_refuse_ "cannot read $1"; fi
  ks_names_=$(sed -n 's/^[[:space:]]*\\(export[[:space:]][[:space:]]*\\)\\{0,1\\}\\([A-Za-z_][A-Za-z0-9_]*\\)[[:space:]]*[=:].*/\\2/p' "$1") ||
    ks_refuse_ "cannot read $1"
  for ks_name_ in $ks_names_; do
    eval "ks_value_=\\\${$ks_name_:-}"
    if [ -z "$ks_value_" ]; then
      case " $ks_empty_ " in *" $ks_name_ "*) ;; *) ks_empty_="$ks_empty_ $ks_name_" ;; esac
    fi
  done
}
ks_check_ "$ks_path_-common"
if [ -n "\${KAMAL_DESTINATION:-}" ]; then
  ks_check_ "$ks_path_.$KAMAL_DESTINATION"
else
  ks_check_ "$ks_path_"
fi
ks_value_=""
if [ -n "$ks_empty_" ]; then
  ks_refuse_ "these secrets are empty:$ks_empty_"
fi
ks_chained_="$(dirname "$0")/${CHAINED_HOOK}"
if [ -x "$ks_chained_" ]; then
  exec "$ks_chained_" "$@"
fi
exit 0
`;
