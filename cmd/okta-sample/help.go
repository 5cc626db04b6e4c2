package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/okta-samples/okta-go-sample/config"
)

// readmeURL is where the configuration is explained in full.
const readmeURL = "https://github.com/okta-samples/okta-go-sample#configuration-reference"

// printHelp writes the -h text: the flags, the environment variables and
// the samples file's keys, from the same table that config reads them by.
func printHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `Usage: okta-sample [flags]
       okta-sample doctor [flags]   check the provider configuration before the
                                    first login (okta-sample doctor -h)

The Okta Go Sample: a web app that signs users in with OpenID Connect.
With no provider setting at all (or with -dev) it also starts an embedded,
Okta-compatible development provider with demo users.

Flags:
`)
	out := fs.Output()
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(out)

	fmt.Fprint(w, "\nEnvironment variables (the first one set wins; they override the samples file):\n")
	for _, r := range config.References() {
		if len(r.Env) > 0 {
			fmt.Fprintf(w, "  %s\n    \t%s. Default: %s.\n", strings.Join(r.Env, ", "), r.About, r.Default)
		}
	}
	fmt.Fprintf(w, "\nSamples file keys (%s, under \"oktaSample\"):\n", config.DefaultFile)
	for _, r := range config.References() {
		if r.FileKey != "" {
			fmt.Fprintf(w, "  %s\n    \t%s. Default: %s.\n", r.FileKey, r.About, r.Default)
		}
	}
	fmt.Fprintf(w, "  %s\n    \taccepted for compatibility with Okta's other samples, and ignored.\n", strings.Join(config.IgnoredFileKeys(), ", "))
	fmt.Fprintf(w, `
Precedence, lowest to highest: defaults, the samples file, the environment,
flags. A client id or secret without an issuer is an error, never a reason
to use the development provider. -dev ignores the provider settings (issuer,
oktaUrl, clientId, clientSecret) and says which.

More in README.md, "Configuration reference": %s
`, readmeURL)
}
