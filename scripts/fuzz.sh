#!/usr/bin/env bash
# Runs each native Go fuzz target for a bounded time: FUZZTIME per target
# (default 15s; any value go test's -fuzztime accepts, such as 1m or 5000x),
# FUZZJOBS targets at a time (default: the number of CPUs), each with one
# fuzzing worker, so that building one target overlaps fuzzing another.
# Each new interesting input is minimized for at most FUZZMINIMIZETIME
# (default 100x, 100 runs): go test's default, 60s, stops the one worker
# for the rest of a short run.
# The committed seed corpora (testdata/fuzz/<FuzzName>/) run with plain
# `go test` too; this script searches beyond them. A crasher is written to
# testdata/fuzz/<FuzzName>/ by go test: fix the bug and commit the file.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-15s}
jobs=${FUZZJOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}
minimizetime=${FUZZMINIMIZETIME:-100x}

# package:target, one per fuzz function.
targets=(
  ./api:FuzzAuthorizationHeader
  ./auth:FuzzTransactionCookie
  ./web:FuzzCallbackQuery
  ./web:FuzzClientAddress
  ./session:FuzzDecodeReport
  ./config:FuzzConfigFile
  ./config:FuzzDeploymentSecrets
  ./session:FuzzDecodeProfile
  ./web:FuzzProfilePage
  ./devprovider:FuzzTokenRequest
  ./devprovider:FuzzAuthnRequest
  ./devprovider:FuzzIDXRequest
)

# Every Fuzz function in the module must be listed above, so a new one is
# not silently skipped. They are read from the test files go list names
# (gofmt puts each declaration on one line), which is much quicker than
# building every test binary for `go test -list`.
module=$(go list -m)
found=$(go list -f '{{$p := .ImportPath}}{{range .TestGoFiles}}{{$p}} {{$.Dir}}/{{.}}
{{end}}{{range .XTestGoFiles}}{{$p}} {{$.Dir}}/{{.}}
{{end}}' ./... | while read -r pkg file; do
  [ -n "$pkg" ] || continue
  sed -n -E 's/^func (Fuzz([^a-z(][A-Za-z0-9_]*)?)\([A-Za-z0-9_]+ \*testing\.F\).*/\1/p' "$file" |
    while read -r name; do echo ".${pkg#"$module"}:$name"; done
done | sort)
listed=$(printf '%s\n' "${targets[@]}" | sort)
if [ "$found" != "$listed" ]; then
  echo "scripts/fuzz.sh: the fuzz targets in the code differ from the list in this script:" >&2
  diff <(echo "$listed") <(echo "$found") >&2 || true
  exit 1
fi

# fuzz_one fuzzes one package:target and prints its output in one piece
# when it ends; a failure is recorded in $faildir.
fuzz_one() {
  local pkg=${1%%:*} name=${1##*:} out status=ok try
  for try in 1 2; do
    if out=$(go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimizetime" -parallel 1 "$pkg" 2>&1); then
      status=ok
      break
    fi
    status=FAILED
    # On a loaded machine go test's fuzzer can report "context deadline
    # exceeded" when -fuzztime ends during a slow run, with no failing
    # input: that is the fuzzer's clock, not a bug found. Run it once
    # more; a real crasher ("Failing input written to") fails at once.
    if [[ $out == *"Failing input written to"* || $out != *"context deadline exceeded"* ]]; then
      break
    fi
  done
  if [ "$status" != ok ]; then
    echo "$1" >"$faildir/${name}"
  fi
  printf -- '-- %s in %s for %s: %s\n%s\n' "$name" "$pkg" "$fuzztime" "$status" "$out"
}

faildir=$(mktemp -d)
trap 'rm -rf "$faildir"' EXIT
export -f fuzz_one
export fuzztime minimizetime faildir
echo "fuzzing ${#targets[@]} targets for $fuzztime each, $jobs at a time"
# xargs exits non-zero when a job fails; the failures are listed below.
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'fuzz_one "$1"' _ {} || true
if [ -n "$(ls -A "$faildir")" ]; then
  echo "fuzzing failed: $(cat "$faildir"/* | tr '\n' ' ')" >&2
  exit 1
fi
