// The pre-connect hook `kamal-secret kamal init` installs. Plain POSIX sh, so it also
// guards deploys in CI, where kamal-secret is not installed. Kamal runs hooks with
// every secret in their environment; the hook reads the names from the secrets files
// Kamal reads and refuses any that is empty, naming it, never printing a value.

export const HOOK_MARKER = '# kamal-secret pre-connect guard';
export const CHAINED_HOOK = 'pre-connect.before-kamal-secret';

export const preConnectHook = (secretsPath: string) => `#!/bin/sh
${HOOK_MARKER}: stop the deploy before any SSH connection
# when a secret Kamal loaded is empty. Installed by \`kamal-secret kamal init\`.
set -u
ks_path_='${secretsPath.replace(/'/g, `'\\''`)}'
if [ -n "\${KAMAL_DESTINATION:-}" ]; then
  ks_files_="$ks_path_-common $ks_path_.$KAMAL_DESTINATION"
else
  ks_files_="$ks_path_-common $ks_path_"
fi
ks_empty_=""
for ks_file_ in $ks_files_; do
  [ -f "$ks_file_" ] || continue
  ks_names_=$(sed -n 's/^[[:space:]]*\\(export[[:space:]][[:space:]]*\\)\\{0,1\\}\\([A-Za-z_][A-Za-z0-9_]*\\)[[:space:]]*[=:].*/\\2/p' "$ks_file_")
  for ks_name_ in $ks_names_; do
    eval "ks_value_=\\\${$ks_name_:-}"
    if [ -z "$ks_value_" ]; then
      case " $ks_empty_ " in *" $ks_name_ "*) ;; *) ks_empty_="$ks_empty_ $ks_name_" ;; esac
    fi
  done
done
ks_value_=""
if [ -n "$ks_empty_" ]; then
  echo "kamal-secret: refusing to deploy: these secrets are empty:$ks_empty_" >&2
  echo "kamal-secret: fix: kamal-secret check, then kamal-secret set NAME (or set the CI variable)" >&2
  exit 1
fi
ks_chained_="$(dirname "$0")/${CHAINED_HOOK}"
if [ -x "$ks_chained_" ]; then
  exec "$ks_chained_" "$@"
fi
exit 0
`;
