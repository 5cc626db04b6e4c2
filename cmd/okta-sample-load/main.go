// Command okta-sample-load measures the Okta Go Sample under load, on this
// machine, over loopback:
//
//	go run ./cmd/okta-sample-load                   # 1000 users, 8 at a time, 5 s per target
//	go run ./cmd/okta-sample-load -users 200 -c 4 -d 2s
//
// It builds and starts the app (the real binary, as a separate process),
// with the embedded development provider serving in this process as if it
// were an Okta org: the app is configured through the same environment
// variables a real org needs. It signs -users users in through the
// provider's hosted sign-in page, then loads the profile page with -c
// clients for -d, and the same bytes from a plain net/http handler (also
// its own process) for as long. It prints logins/s, pages/s, the 50th and
// 99th percentile latencies, the ratio of the two page rates, and the
// app's live heap per signed-in session. It stops by itself.
//
//	go run ./cmd/okta-sample-load -redis           # memory, then Redis, compared in one run
//	go run ./cmd/okta-sample-load -flood 100000    # the abuse of issue 8, then a genuine login
//
// With -redis it starts a redis-server (the Debian package) on a free
// loopback port, measures the app with its sessions in memory and then in
// that Redis, reports Redis's memory per session, and ends with both
// stores' logins/s, pages/s and ratio side by side. With -flood N it sends
// N pairs of "start a login, send its callback with a junk code" to the
// app it started (so loopback only), N at most 1,000,000, then times a
// genuine login; every junk callback must be refused with 401 and the
// genuine login must succeed. Both flags combine.
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
	// The plain handler runs as this same program in another process.
	if os.Getenv(roleEnv) == rolePlain {
		if err := servePlain(os.Getenv(pageEnv), os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "okta-sample-load plain handler:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "okta-sample-load:", err)
		}
		os.Exit(2)
	}
}
