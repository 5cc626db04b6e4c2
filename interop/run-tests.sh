#!/usr/bin/env bash
# Runs the interoperability tests: builds Dex (cached in bin/, rebuilt only
# when this module's go.mod, go.sum or the Go toolchain change) and the app,
# then runs `go test ./...` here with their paths in DEX_BIN and APP_BIN.
#
#   ./run-tests.sh            # all tests
#   ./run-tests.sh -v -run Dex
#
# Arguments go to `go test`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
bin="$here/bin"
mkdir -p "$bin"
trap 'rm -f "$bin/dex.tmp"' EXIT

# The stamp names what the cached binary was built from.
stamp="$( { go version; cat "$here/go.mod" "$here/go.sum"; } | sha256sum | cut -d' ' -f1)"
if [[ -x "$bin/dex" && "$(cat "$bin/dex.stamp" 2>/dev/null || true)" == "$stamp" ]]; then
	echo "run-tests: using cached $bin/dex" >&2
else
	echo "run-tests: building Dex (the first build takes 2-3 minutes)" >&2
	started=$SECONDS
	(cd "$here" && go build -o "$bin/dex.tmp" github.com/dexidp/dex/cmd/dex)
	mv "$bin/dex.tmp" "$bin/dex"
	echo "$stamp" >"$bin/dex.stamp"
	echo "run-tests: built Dex in $((SECONDS - started))s" >&2
fi

# Always rebuilt: the app changes often and Go's build cache makes this quick.
(cd "$root" && go build -o "$bin/okta-sample" ./cmd/okta-sample)

cd "$here"
# -count=1: the test cache cannot see that the binaries changed.
DEX_BIN="$bin/dex" APP_BIN="$bin/okta-sample" go test -count=1 "$@" ./...
