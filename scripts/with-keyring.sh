#!/bin/sh
# with-keyring.sh CMD...: run CMD inside a private D-Bus session with a real, headless
# gnome-keyring (Secret Service), exporting KAMAL_SECRET_TEST_KEYCHAIN=1 once it answers.
# Without dbus-run-session or gnome-keyring-daemon, CMD runs as it is.
set -eu
if [ -z "${KAMAL_SECRET_IN_KEYRING_SESSION:-}" ]; then
  if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
    KAMAL_SECRET_IN_KEYRING_SESSION=1 exec dbus-run-session -- sh "$0" "$@"
  fi
  echo "no dbus-run-session or gnome-keyring-daemon: running without a keychain" >&2
  exec "$@"
fi

keyring_home=$(mktemp -d)
# --foreground, not --daemonize (which leaks the daemon); the password on stdin unlocks the login keyring.
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
[ -n "${KAMAL_SECRET_TEST_KEYCHAIN:-}" ] || echo "gnome-keyring did not come up; running without a keychain" >&2
status=0
"$@" || status=$?
exit $status
