// Command okta-sample runs the Okta Go Sample: a web app that signs users
// in with OpenID Connect. With no configuration it also starts an
// embedded, Okta-compatible development provider with demo users.
//
//	go run ./cmd/okta-sample                 # dev provider on 127.0.0.1:8081
//	go run ./cmd/okta-sample -config my.json # a real Okta org
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

var (
	errUsage  = errors.New("usage")
	errConfig = errors.New("configuration")
)

// configError marks err as a configuration problem (exit code 2) without
// changing its message.
type configError struct{ err error }

func (e configError) Error() string        { return e.err.Error() }
func (e configError) Unwrap() error        { return e.err }
func (e configError) Is(target error) bool { return target == errConfig }
