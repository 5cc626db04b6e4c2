#!/usr/bin/env bash
# Runs each native Go fuzz target for a bounded time: FUZZTIME per target
# (default 15s; any value go test's -fuzztime accepts, such as 1m or 5000x).
# The committed seed corpora (testdata/fuzz/<FuzzName>/) run with plain
# `go test` too; this script searches beyond them. A crasher is written to
# testdata/fuzz/<FuzzName>/ by go test: fix the bug and commit the file.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-15s}

# package:target, one per fuzz function.
targets=(
  ./auth:FuzzTransactionCookie
  ./web:FuzzCallbackQuery
  ./web:FuzzClientAddress
  ./session:FuzzDecodeReport
  ./config:FuzzConfigFile
  ./config:FuzzDeploymentSecrets
  ./devprovider:FuzzTokenRequest
  ./devprovider:FuzzAuthnRequest
  ./devprovider:FuzzIDXRequest
)

# Every Fuzz function in the module must be listed above, so a new one is
# not silently skipped.
module=$(go list -m)
found=$(go test -list '^Fuzz' ./... | awk -v mod="$module" '
  /^Fuzz/ { names[n++] = $1; next }
  /^ok/   { pkg = $2; sub("^" mod, ".", pkg); for (i = 0; i < n; i++) print pkg ":" names[i]; n = 0 }
' | sort)
listed=$(printf '%s\n' "${targets[@]}" | sort)
if [ "$found" != "$listed" ]; then
  echo "scripts/fuzz.sh: the fuzz targets in the code differ from the list in this script:" >&2
  diff <(echo "$listed") <(echo "$found") >&2 || true
  exit 1
fi

failed=()
for t in "${targets[@]}"; do
  pkg=${t%%:*} name=${t##*:}
  echo "-- $name in $pkg for $fuzztime"
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg"; then
    failed+=("$t")
  fi
done
if ((${#failed[@]})); then
  echo "fuzzing failed: ${failed[*]}" >&2
  exit 1
fi
