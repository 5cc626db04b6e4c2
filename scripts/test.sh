#!/usr/bin/env bash
# Runs every test of the Okta Go Sample, installing what the tests need
# when it is missing:
#   - Debian's chromium (real-browser tests), redis-server and nginx, with
#     apt-get and --no-install-recommends (only what the tests use: no
#     avahi, cups or systemd upgrades);
#   - the Okta Sign-In Widget and okta-auth-js, from package-lock.json, with
#     npm ci, kept in ~/.cache/okta-go-sample and linked as node_modules;
#   - Dex, built from the Go module proxy and cached in ~/.cache/okta-go-sample
#     (interop/run-tests.sh).
# Then: gofmt and go vet; at once, all Go tests but the browser tests with
# the race detector (unit, HTTP end-to-end, real processes), the browser
# tests, and the Dex interop test; when the browser tests end, each fuzz
# target for FUZZTIME
# (default here 2s, as many targets at a time as there are CPUs; run
# scripts/fuzz.sh alone to fuzz longer: 15s by default).
set -euo pipefail
cd "$(dirname "$0")/.."
export FUZZTIME="${FUZZTIME:-2s}"
# -trimpath leaves the checkout's path out of what is compiled, so Go's
# build cache serves a fresh clone in another folder as well as this one.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-trimpath"

step() { printf '\n== %s (at %ds)\n' "$*" "$SECONDS"; }

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
# The installed tree (163 MB, 12 s to unpack) is kept outside the checkout,
# like Go's caches, under a hash of package-lock.json; node_modules is a
# symbolic link to it, so a fresh clone on this machine starts at once.
if ! pinned @okta/okta-signin-widget || ! pinned @okta/okta-auth-js; then
  npm_cache="${XDG_CACHE_HOME:-$HOME/.cache}/okta-go-sample/node_modules-$(sha256sum package-lock.json | cut -c1-16)"
  if [ ! -d "$npm_cache/node_modules" ]; then
    echo "installing the Okta Sign-In Widget and okta-auth-js with npm ci into $npm_cache"
    mkdir -p "$(dirname "$npm_cache")"
    tmp=$(mktemp -d "$npm_cache.XXXXXX")
    chmod 755 "$tmp"
    cp package.json package-lock.json "$tmp/"
    if ! (cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund); then
      rm -rf "$tmp"
      exit 1
    fi
    mv -T "$tmp" "$npm_cache" 2>/dev/null || rm -rf "$tmp" # another run may have won
  fi
  rm -rf node_modules
  ln -s "$npm_cache/node_modules" node_modules
  if ! pinned @okta/okta-signin-widget || ! pinned @okta/okta-auth-js; then
    echo "node_modules ($npm_cache) does not hold the pinned packages" >&2
    exit 1
  fi
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

# The three test suites run at once, each into its own log, printed whole
# as each ends: the browser tests wait on Chromium and the others wait on
# timeouts and child processes, so together they keep both CPUs busy.
#   - every package but e2e/, with the race detector;
#   - e2e/, the real-browser tests. The test process only drives Chromium
#     and the app runs as its own process, so -race there would check
#     only the driver (TestMain builds the app; see e2e/main_test.go);
#   - the Dex interop test.
step "go test (unit, HTTP end-to-end with -race; browser; Dex interop), then fuzzing"
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
declare -A suite=()
started=0
start_suite() {
  local name=$1
  shift
  started=$((started + 1))
  "$@" >"$logs/$started" 2>&1 &
  suite[$!]="$started $name"
}
# go test starts packages in the order given: the slowest under -race
# first, so that none of them is left running alone at the end.
slow="devprovider cmd/okta-sample cmd/okta-sample-load deploy auth web session"
module=$(go list -m)
all=" $(go list ./... | grep -v /e2e | tr '\n' ' ') "
unit=()
for p in $slow; do
  [[ $all == *" $module/$p "* ]] && unit+=("$module/$p")
done
for p in $all; do
  [[ " ${unit[*]} " == *" $p "* ]] || unit+=("$p")
done
start_suite "go test -race (all but e2e)" go test -race -count=1 "${unit[@]}"
browser="go test ./e2e (browser)"
start_suite "$browser" go test -count=1 ./e2e
start_suite "interop: Dex" interop/run-tests.sh
failed=()
while ((${#suite[@]})); do
  status=0
  wait -n -p done "${!suite[@]}" || status=$?
  log=${suite[$done]%% *} name=${suite[$done]#* }
  unset "suite[$done]"
  printf -- '-- %s: %s at %ds\n' "$name" "$([ "$status" = 0 ] && echo ok || echo "FAILED ($status)")" "$SECONDS"
  cat "$logs/$log"
  [ "$status" = 0 ] || failed+=("$name")
  # Fuzzing starts when the browser tests end, which is before the
  # race-checked packages do: it takes the CPU they leave idle.
  if [ "$name" = "$browser" ]; then
    start_suite "fuzzing (FUZZTIME=$FUZZTIME per target)" scripts/fuzz.sh
  fi
done
if ((${#failed[@]})); then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi

step "all tests passed"
