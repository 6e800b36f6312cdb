#!/usr/bin/env bash
# Run a command inside a private D-Bus session with an unlocked gnome-keyring
# (the Secret Service keytar talks to), in throw-away XDG folders, so tests hit a
# REAL OS keychain without touching the user's own.
#
#   scripts/with-keyring.sh <command> [args...]
#
# Missing tools: under CI=true this fails (CI must run the keychain tests);
# elsewhere it prints why and skips (exit 0).
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: scripts/with-keyring.sh <command> [args...]" >&2
  exit 2
fi

missing=()
for tool in setsid dbus-run-session dbus-send gnome-keyring-daemon; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  msg="keychain tests need ${missing[*]} (Debian: apt-get install --no-install-recommends dbus gnome-keyring libsecret-1-dev)"
  if [ "${CI:-}" = "true" ]; then
    echo "with-keyring: FAILED: $msg" >&2
    exit 1
  fi
  echo "with-keyring: SKIPPED: $msg" >&2
  exit 0
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/baton-keyring-XXXXXX")"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/data" "$work/runtime" "$work/config" "$work/cache"
chmod 700 "$work/runtime"

export XDG_DATA_HOME="$work/data" XDG_RUNTIME_DIR="$work/runtime" XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"
# A keychain service name of our own per run: nothing collides with another run or the user's entries.
export BATON_KEYCHAIN_SERVICE="${BATON_KEYCHAIN_SERVICE:-baton-test-$$-$(date +%s)}"
unset DISPLAY

# Inside the session: run the secrets component in the foreground (so its pid is
# known and it is stopped with the session, never left behind), unlocked with a
# non-empty password, wait until it owns org.freedesktop.secrets, run the command.
# The session runs in a process group of its own (setsid): INT/TERM to this script
# reach every process of it (bus, keyring daemon, command).
# shellcheck disable=SC2016
setsid dbus-run-session -- sh -c '
  printf %s "baton-ci-keyring" | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
  daemon=$!
  trap "kill $daemon 2>/dev/null" EXIT
  i=0
  until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; do
    if ! kill -0 "$daemon" 2>/dev/null; then echo "with-keyring: gnome-keyring-daemon exited at start" >&2; exit 1; fi
    i=$((i + 1))
    if [ "$i" -gt 100 ]; then echo "with-keyring: gnome-keyring-daemon did not register on D-Bus within 10 s" >&2; exit 1; fi
    sleep 0.1
  done
  "$@"' sh "$@" &
session=$!
trap 'kill -TERM -- "-$session" 2>/dev/null; wait "$session"; exit 143' INT TERM
rc=0
wait "$session" || rc=$?
exit "$rc"
