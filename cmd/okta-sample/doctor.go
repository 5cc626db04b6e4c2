package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/config"
	"github.com/okta-samples/okta-go-sample/internal/doctor"
)

// checkConfig names the doctor's first check, which config.Load makes.
const checkConfig = "config"

// errChecksFailed is what runDoctor returns when a check failed (exit
// status 1).
var errChecksFailed = errors.New("doctor: checks failed")

// doctorFlags is the doctor's command line, parsed.
type doctorFlags struct {
	configFile, addr string
	dev              bool
}

// runDoctor is `okta-sample doctor`: it reads the configuration as run
// does, without listening, checks it against the provider and prints one
// line per check, with the fix for each failure. It returns nil when every
// check passed (warnings and skipped checks allowed), errChecksFailed
// (exit status 1) when one failed, and a configError (exit status 2) when
// the configuration cannot be loaded.
func runDoctor(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f, err := parseDoctorFlags(args, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	p := &doctorPrinter{w: stdout}
	fmt.Fprintln(stdout, "okta-sample doctor: checking the provider configuration before the first login (no one signs in, nothing is changed)")

	draft, err := config.Load(config.Options{File: f.configFile, Getenv: getenv, Addr: f.addr, Dev: f.dev})
	if err != nil {
		p.configProblems(err)
		return configError{errors.New("doctor: the configuration cannot be loaded; fix the problems above first")}
	}
	if draft.Dev() && !f.dev {
		p.print(doctor.Result{Check: checkConfig, Status: doctor.Fail,
			Detail: "no provider is configured (no issuer, client id or secret in the samples file or the environment); the app would start its development provider",
			Fix: "set OKTA_OAUTH2_ISSUER, OKTA_OAUTH2_CLIENT_ID and OKTA_OAUTH2_CLIENT_SECRET (or oidc.issuer, oidc.clientId and oidc.clientSecret in " + config.DefaultFile + ") to check your Okta app, " +
				"or run `okta-sample doctor -dev` to see every check pass against the embedded development provider"})
		return errChecksFailed
	}

	var cfg config.Config
	if f.dev {
		var stop func()
		cfg, stop, err = startDoctorDevProvider(draft)
		if err != nil {
			return err
		}
		defer stop()
	} else {
		// The doctor does not listen: the configured address stands for
		// the one the app would get.
		if cfg, err = draft.Resolve(config.Bound{Addr: draft.ListenAddr()}); err != nil {
			p.configProblems(err)
			return configError{errors.New("doctor: the configuration cannot be loaded; fix the problems above first")}
		}
	}

	printSettings(stdout, cfg)
	p.print(doctor.Result{Check: checkConfig, Status: doctor.Pass, Detail: configSummary(cfg)})
	for _, n := range cfg.Notices() {
		fmt.Fprintf(stdout, "%-6s%-16snote: %s\n", "", "", n)
	}
	doctor.Run(ctx, doctor.Config{
		Issuer:       cfg.Issuer,
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		RedirectURI:  cfg.RedirectURI,
		OrgURL:       cfg.OrgURL(),
		AppOrigin:    cfg.PublicURL(),
		Leeway:       cfg.Leeway,
		HTTPClient:   auth.NewHTTPClient(cfg.ProviderTimeout),
	}, p.print)
	p.summary()
	if p.counts[doctor.Fail] > 0 {
		return fmt.Errorf("%w: %d of %d", errChecksFailed, p.counts[doctor.Fail], p.total())
	}
	return nil
}

// parseDoctorFlags parses the doctor's flags. For -h it prints the help
// to stdout and returns flag.ErrHelp; for anything it cannot parse,
// errUsage.
func parseDoctorFlags(args []string, stdout, stderr io.Writer) (doctorFlags, error) {
	var f doctorFlags
	fs := flag.NewFlagSet("okta-sample doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.configFile, "config", "", "Okta samples config file (default ./"+config.DefaultFile+" when it exists)")
	fs.StringVar(&f.addr, "addr", "", "the app's listen address, host:port, as for okta-sample (it names the default redirect URI's port)")
	fs.BoolVar(&f.dev, "dev", false, "check the embedded development provider, started for the checks, instead of the configured provider")
	fs.Usage = func() {}
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		printDoctorHelp(stdout, fs)
		return f, flag.ErrHelp
	case err != nil:
		fmt.Fprintln(stderr, "Run okta-sample doctor -h for its flags.")
		return f, errUsage
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "unexpected arguments: %q\n", fs.Args())
		return f, errUsage
	}
	return f, nil
}

// printDoctorHelp writes `okta-sample doctor -h`.
func printDoctorHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `Usage: okta-sample doctor [flags]

Checks the provider configuration before the first login, with the same
samples file and environment as the app, and prints one line per check
(PASS, WARN, SKIP or FAIL) with the fix for each failure: the configuration,
discovery and its issuer, the endpoints, the keys (JWKS), the clock, the
client id and secret (a token request with a made-up code), the redirect URI
(an authorization request, not followed), the Okta engine and the app's
origin among Okta's Trusted Origins (CORS). No one signs in and nothing is
changed on the provider.

Exit status: 0 when no check failed, 1 when one did, 2 when the
configuration cannot be loaded.

Flags:
`)
	out := fs.Output()
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(out)
	fmt.Fprintf(w, "\nThe environment variables and samples file keys are those of okta-sample -h.\nMore in README.md, \"doctor\": %s\n", strings.TrimSuffix(readmeURL, "#configuration-reference")+"#okta-sample-doctor")
}

// startDoctorDevProvider starts the development provider on a free
// loopback port, registered for this app as run registers it, and
// returns the configuration that names it and a function that stops it.
func startDoctorDevProvider(draft config.Draft) (config.Config, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return config.Config{}, nil, fmt.Errorf("doctor: listening for the development provider: %w", err)
	}
	cfg, err := draft.Resolve(config.Bound{Addr: draft.ListenAddr(), Dev: &config.DevClient{
		Issuer:       "http://" + ln.Addr().String() + "/oauth2/default",
		ClientID:     devClientID,
		ClientSecret: rand.Text(),
	}})
	if err != nil {
		_ = ln.Close() // the configuration error is the one to report
		return config.Config{}, nil, configError{err}
	}
	// Its log would only say that the doctor's made-up code was refused.
	log := slog.New(slog.DiscardHandler)
	h, _, err := newDevProvider(cfg, log, nil, nil)
	if err != nil {
		_ = ln.Close() // the provider's error is the one to report
		return config.Config{}, nil, err
	}
	srv := newHTTPServer(h, log)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln) // always http.ErrServerClosed, after Shutdown below
	}()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close() // the doctor is done; nothing left to report to
		}
		<-done
	}
	return cfg, stop, nil
}

// printSettings prints the provider settings the checks use, with where
// each came from; the secret is masked.
func printSettings(w io.Writer, cfg config.Config) {
	shown := []string{"issuer", "oktaUrl", "clientId", "clientSecret", "redirectUri", "public URL"}
	for _, s := range cfg.Masked() {
		if slices.Contains(shown, s.Name) {
			fmt.Fprintf(w, "  %-13s %s   [%s]\n", s.Name, s.Value, s.Source)
		}
	}
	fmt.Fprintln(w)
}

// configSummary says what config.Load checked, for the config line.
func configSummary(cfg config.Config) string {
	src := "the environment"
	if cfg.Dev {
		src = "the development provider (-dev)"
	} else if cfg.File != "" {
		src = cfg.File + " and the environment"
	}
	return "loaded from " + src + ": no template placeholders, absolute URLs, plain http only on loopback, the redirect URI on the app's origin"
}

// doctorPrinter prints each result as it comes and counts them.
type doctorPrinter struct {
	w      io.Writer
	counts [doctor.Fail + 1]int
}

func (p *doctorPrinter) print(r doctor.Result) {
	p.counts[r.Status]++
	fmt.Fprintf(p.w, "%-6s%-16s%s\n", r.Status, r.Check, r.Detail)
	if r.Fix != "" && (r.Status == doctor.Fail || r.Status == doctor.Warn) {
		fmt.Fprintf(p.w, "%-6s%-16sfix: %s\n", "", "", r.Fix)
	}
}

// configProblems prints every problem config found, one FAIL line each.
func (p *doctorPrinter) configProblems(err error) {
	var ve *config.ValidationError
	if !errors.As(err, &ve) {
		p.print(doctor.Result{Check: checkConfig, Status: doctor.Fail, Detail: err.Error()})
		return
	}
	for _, pr := range ve.Problems {
		p.print(doctor.Result{Check: checkConfig, Status: doctor.Fail, Detail: pr.Field + ": " + pr.Message})
	}
}

func (p *doctorPrinter) total() int {
	n := 0
	for _, c := range p.counts {
		n += c
	}
	return n
}

func (p *doctorPrinter) summary() {
	fmt.Fprintf(p.w, "\n%d checks: %d passed, %d warned, %d skipped, %d failed\n",
		p.total(), p.counts[doctor.Pass], p.counts[doctor.Warn], p.counts[doctor.Skip], p.counts[doctor.Fail])
}
