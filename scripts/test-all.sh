#!/usr/bin/env bash
# `npm test`: every check, in order, stopping at the first failure, with the time
# each phase took. The same list runs locally and in CI (.ci/run).
#
#   typecheck -> lint -> build -> unit+integration -> keychain -> browser e2e -> Electron e2e
set -uo pipefail
cd "$(dirname "$0")/.."

declare -a names=() secs=() results=()

summary() {
  echo
  echo "== npm test summary"
  for i in "${!names[@]}"; do
    printf '   %-22s %-8s %6ss\n' "${names[$i]}" "${results[$i]}" "${secs[$i]}"
  done
}

has_script() {
  node -e 'process.exit(require("./package.json").scripts?.[process.argv[1]] ? 0 : 1)' "$1"
}

# phase NAME COMMAND...: run it, record the time; on failure print the summary and stop.
phase() {
  local name="$1"
  shift
  echo
  echo "== $name: $*"
  local start=$EPOCHREALTIME rc=0
  "$@" || rc=$?
  local took
  took=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
  names+=("$name")
  secs+=("$took")
  if [ "$rc" -ne 0 ]; then
    results+=("FAILED")
    summary
    echo "npm test: $name failed (exit $rc) after ${took}s; later phases were not run." >&2
    exit "$rc"
  fi
  results+=("ok")
  echo "== $name ok (${took}s)"
}

phase typecheck npm run --silent typecheck
phase lint npm run --silent lint
phase build npx electron-vite build
phase unit+integration npm run --silent test:unit
phase keychain npm run --silent test:keychain
phase "browser e2e" npm run --silent test:e2e
if has_script test:electron; then
  phase "electron e2e" npm run --silent test:electron
else
  echo
  echo "== electron e2e: skipped (no test:electron script)"
fi
summary
