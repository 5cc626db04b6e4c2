#!/usr/bin/env bash
# Runs every test of the Okta Go Sample, installing what the tests need
# when it is missing:
#   - Debian's chromium (real-browser tests), redis-server and nginx, with
#     apt-get and --no-install-recommends (only what the tests use: no
#     avahi, cups or systemd upgrades);
#   - the Okta Sign-In Widget and okta-auth-js, from package-lock.json, with npm ci;
#   - Dex, built from the Go module proxy and cached in interop/bin.
# Then: gofmt and go vet, all Go tests (unit, HTTP end-to-end, browser)
# with the race detector, the Dex interop test, and each fuzz target for
# FUZZTIME (default here 5s, as many targets at a time as there are CPUs; run
# scripts/fuzz.sh alone to fuzz longer: 15s by default).
set -euo pipefail
cd "$(dirname "$0")/.."
export FUZZTIME="${FUZZTIME:-5s}"

step() { printf '\n== %s\n' "$*"; }

step "dependencies"
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]}; run: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "installing ${missing[*]} with apt-get"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# npm ci when a pinned package is missing or not at its pinned version.
pinned() {
  local pkg=$1
  [ -f "node_modules/$pkg/package.json" ] &&
    grep -q '"version": "'"$(node -p "require('./package.json').dependencies['$pkg']")"'"' "node_modules/$pkg/package.json"
}
if ! pinned @okta/okta-signin-widget || ! pinned @okta/okta-auth-js; then
  echo "installing the Okta Sign-In Widget and okta-auth-js with npm ci"
  npm ci --ignore-scripts --no-audit --no-fund
fi
chromium --version 2>/dev/null

step "gofmt and go vet"
unformatted=$(gofmt -l $(git ls-files --cached --others --exclude-standard '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...

step "go test (unit, HTTP end-to-end, browser) with -race"
go test -race -count=1 ./...

step "interop: Dex"
interop/run-tests.sh

step "fuzzing (FUZZTIME=$FUZZTIME per target)"
scripts/fuzz.sh

step "all tests passed"
