#!/bin/sh
# The test command (npm test). Runs the suite inside a private D-Bus session with a
# real, headless gnome-keyring when both are installed, so the keychain tests use a
# real Secret Service and never touch the user's own keyring; without them those
# tests report themselves skipped. Ends with one line: N passed, N failed, N skipped.
set -eu
cd "$(dirname "$0")/.."
npm run --silent build
mkdir -p .ci/out
report=.ci/out/vitest.json
rm -f "$report"

if [ -z "${KAMAL_SECRET_IN_TEST_SESSION:-}" ] && command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  KAMAL_SECRET_IN_TEST_SESSION=1 exec dbus-run-session -- sh "$0" "$@"
fi

keyring_pid=
if [ -n "${KAMAL_SECRET_IN_TEST_SESSION:-}" ]; then
  keyring_home=$(mktemp -d)
  # --foreground (not --daemonize, which leaks the daemon); the password on stdin unlocks the login keyring.
  printf 'kamal-secret-test-keyring' | XDG_DATA_HOME="$keyring_home" HOME="$keyring_home" \
    gnome-keyring-daemon --foreground --unlock --components=secrets >"$keyring_home/daemon.log" 2>&1 &
  keyring_pid=$!
  trap 'kill "$keyring_pid" 2>/dev/null; rm -rf "$keyring_home"' EXIT
  i=0
  while [ $i -lt 100 ]; do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
      export KAMAL_SECRET_TEST_KEYCHAIN=1
      break
    fi
    i=$((i + 1)); sleep 0.1
  done
  [ -n "${KAMAL_SECRET_TEST_KEYCHAIN:-}" ] || echo "gnome-keyring did not come up; keychain tests will be skipped" >&2
fi

status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
node scripts/summary.mjs "$report" || status=1
exit $status
