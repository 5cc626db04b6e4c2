#!/usr/bin/env bash
# Runs the interoperability tests: builds Dex and the app, then runs
# `go test ./...` here with their paths in DEX_BIN and APP_BIN.
#
# Dex is cached outside the checkout, next to Go's own caches, in
# ${XDG_CACHE_HOME:-~/.cache}/okta-go-sample/dex-<stamp>, where the stamp is
# a hash of this module's go.mod and go.sum and the Go toolchain: a fresh
# clone on a machine that ran the tests before reuses it (OKTA_SAMPLE_DEX_CACHE
# moves it).
#
#   ./run-tests.sh            # all tests
#   ./run-tests.sh -v -run Dex
#
# Arguments go to `go test`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
bin="$here/bin"
cache="${OKTA_SAMPLE_DEX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/okta-go-sample}"
mkdir -p "$bin" "$cache"

# The stamp names what the cached binary was built from.
stamp="$( { go version; cat "$here/go.mod" "$here/go.sum"; } | sha256sum | cut -c1-16)"
dex="$cache/dex-$stamp"
if [[ -x "$dex" ]]; then
	echo "run-tests: using cached $dex" >&2
else
	echo "run-tests: building Dex into $dex (the first build takes 2-5 minutes)" >&2
	started=$SECONDS
	tmp=$(mktemp "$cache/dex.XXXXXX")
	trap 'rm -f "$tmp"' EXIT
	(cd "$here" && go build -o "$tmp" github.com/dexidp/dex/cmd/dex)
	mv "$tmp" "$dex" # atomic: a concurrent run sees the old state or the whole binary
	echo "run-tests: built Dex in $((SECONDS - started))s" >&2
fi

# Always rebuilt: the app changes often and Go's build cache makes this quick.
(cd "$root" && go build -o "$bin/okta-sample" ./cmd/okta-sample)

cd "$here"
# -count=1: the test cache cannot see that the binaries changed.
DEX_BIN="$dex" APP_BIN="$bin/okta-sample" go test -count=1 "$@" ./...
