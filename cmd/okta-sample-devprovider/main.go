// Command okta-sample-devprovider runs the embedded development provider
// on its own, for several app replicas that must share one provider
// (scripts/cluster.sh). A single app process starts the same provider
// itself; this command is only for the cluster.
//
// It reads the client to register from the environment, with the names
// the app reads, so one environment configures the provider and every
// replica:
//
//	OKTA_OAUTH2_CLIENT_ID      client id (default 0oa-okta-go-sample-dev)
//	OKTA_OAUTH2_CLIENT_SECRET  client secret (required; never printed)
//	OKTA_OAUTH2_REDIRECT_URI   the app's redirect URI
//	                           (default OKTA_SAMPLE_PUBLIC_URL/authorization-code/callback)
//	OKTA_SAMPLE_PUBLIC_URL     the app's origin: where logout returns, and the
//	                           Trusted Origin of the Sign-In Widget
//	                           (default the redirect URI's origin)
//
// Each -app flag registers one more copy of the app, at that origin, as a
// demo client of its own (devprovider.DemoClient), so that two apps share
// one sign-in and one logout ends both: the client id, the secret made for
// it and its redirect URI are printed, for that app's environment.
//
// The issuer is http://ADDR/oauth2/default. The provider's demo users
// have public passwords, so it listens on loopback only.
//
// The -spa flag registers a single-page app at that origin as a public
// client (devprovider.DemoSPAClient: no secret, PKCE with S256, CORS for
// its origin on the token, revocation and userinfo endpoints).
//
//	okta-sample-devprovider -addr 127.0.0.1:8081 -app http://localhost:8082 -spa http://localhost:8083
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, err)
		}
		os.Exit(exitCode(err))
	}
}

// exitCode is 2 for bad usage or configuration, 1 for anything else.
func exitCode(err error) int {
	if errors.Is(err, errUsage) || errors.Is(err, errConfig) {
		return 2
	}
	return 1
}
