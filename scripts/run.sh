#!/bin/sh
# Runs the Okta Go Sample with any arguments: it builds ./bin/okta-sample
# and then execs it, so the app is this script's process and a signal sent
# to it (Ctrl+C, kill, a supervisor's SIGTERM) reaches the app, which then
# shuts down and frees its ports. (`go run` would keep the app in a child
# process that such a signal does not reach.)
#
# Before that, it installs the Okta Sign-In Widget and okta-auth-js (for the
# single-page app) into node_modules with `npm ci` if one is missing, so the
# custom login page works offline: the app
# serves node_modules/@okta/okta-signin-widget/dist itself when present and
# falls back to Okta's CDN otherwise. Without npm, or when npm ci fails (for
# example offline with an empty npm cache), it says so in one line and runs
# the app anyway. Node is never needed by the app itself.
#
#   scripts/run.sh                 # dev provider, http://localhost:8080
#   scripts/run.sh -config my.json # a real Okta org
#   scripts/run.sh -h              # flags, environment variables, file keys
set -eu

cd "$(dirname "$0")/.."

widget=node_modules/@okta/okta-signin-widget/dist/js/okta-sign-in.min.js
authjs=node_modules/@okta/okta-auth-js/dist/okta-auth-js.min.js
if { [ ! -f "$widget" ] && [ -z "${OKTA_SAMPLE_WIDGET_DIR:-}" ]; } || { [ ! -f "$authjs" ] && [ -z "${OKTA_SAMPLE_AUTHJS_DIR:-}" ]; }; then
	if ! command -v npm >/dev/null 2>&1; then
		echo "run.sh: npm not found; the custom login page will load the Sign-In Widget from Okta's CDN" >&2
	elif ! npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null 2>&1; then
		echo "run.sh: npm ci failed (offline?); the custom login page will load the Sign-In Widget from Okta's CDN" >&2
	fi
fi

go build -o bin/okta-sample ./cmd/okta-sample
exec bin/okta-sample "$@"
