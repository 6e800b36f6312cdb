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
for tool in dbus-run-session gnome-keyring-daemon; do
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

# Inside the session: start the secrets component unlocked (the password must be
# non-empty), then replace the shell with the command. The daemon exits with the bus.
# shellcheck disable=SC2016
dbus-run-session -- sh -c '
  printf %s "baton-ci-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null || {
    echo "with-keyring: gnome-keyring-daemon did not start" >&2; exit 1; }
  exec "$@"' sh "$@"
