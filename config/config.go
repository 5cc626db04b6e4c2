// Package config loads the sample's settings from Okta's samples file
// (.samples.config.json), the environment and command-line flags, and
// validates them before the app listens.
//
// Precedence, lowest to highest: built-in defaults, the file, the
// environment, flags. Validate reports every problem at once, naming the
// field and what to do, and never repeats a secret.
package config

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// DefaultFile is the file read when -config is not given and it exists.
const DefaultFile = ".samples.config.json"

// Defaults used when neither the file nor the environment says otherwise.
const (
	DefaultPort        = 8080
	DefaultCallback    = "/authorization-code/callback"
	DefaultDevAddr     = "127.0.0.1:8081"
	DefaultLeeway      = 5 * time.Minute
	DefaultTimeout     = 10 * time.Second
	DefaultEnvironment = "development"
)

// Config is every setting the app needs, loaded once and validated before
// the app listens. Handlers never read the environment themselves.
type Config struct {
	// OIDC client settings (oktaSample.oidc in the samples file).
	OktaURL      string
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURI  string

	// Server settings (oktaSample.server).
	Port        int
	StaticDir   string
	Framework   string
	Environment string

	// Addr is the listen address; empty means 127.0.0.1:Port.
	Addr string
	// Dev starts the embedded development provider on DevAddr and points
	// the app at it. It is forced on when no issuer is configured.
	Dev     bool
	DevAddr string

	// Leeway is the allowed clock skew when checking exp, iat and nbf.
	Leeway time.Duration
	// ProviderTimeout bounds each call to the provider during a login.
	ProviderTimeout time.Duration
	// CookieKey encrypts the short-lived login-transaction cookies. When
	// empty, a random key is made at start-up (pending logins do not
	// survive a restart, which is harmless). Replicas must share one.
	CookieKey []byte
	// WidgetDir serves the Okta Sign-In Widget's assets from a local folder
	// (the dist/ of @okta/okta-signin-widget) instead of Okta's CDN. When
	// empty, node_modules/@okta/okta-signin-widget/dist in the working
	// directory is used if `npm ci` put it there (see web.FindWidget).
	WidgetDir string

	// Source says where the file settings came from, for the overview page.
	Source string

	// problems found while loading, reported by Resolve together with
	// everything else, so a newcomer sees every problem at once.
	problems []Problem
}

// fileFormat mirrors Okta's samples configuration file.
type fileFormat struct {
	OktaSample struct {
		OIDC struct {
			OktaURL      string `json:"oktaUrl"`
			Issuer       string `json:"issuer"`
			ClientID     string `json:"clientId"`
			ClientSecret string `json:"clientSecret"`
			RedirectURI  string `json:"redirectUri"`
		} `json:"oidc"`
		Server struct {
			Port        json.RawMessage `json:"port"`
			StaticDir   string          `json:"staticDir"`
			Framework   string          `json:"framework"`
			Environment string          `json:"environment"`
			WidgetDir   string          `json:"widgetDir"`
		} `json:"server"`
	} `json:"oktaSample"`
}

// Options says where Load looks.
type Options struct {
	// File is the samples file. When empty, DefaultFile is read if it exists.
	File string
	// Getenv reads the environment; nil means no environment.
	Getenv func(string) string
}

// Load reads the file and the environment into a Config with defaults
// filled in. It never fails: what it cannot read or parse is kept and
// reported by Resolve, with every other problem.
func Load(opts Options) Config {
	cfg := Config{
		Port:            DefaultPort,
		DevAddr:         DefaultDevAddr,
		Leeway:          DefaultLeeway,
		ProviderTimeout: DefaultTimeout,
		Environment:     DefaultEnvironment,
		Source:          "defaults",
	}
	getenv := opts.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}

	path, explicit := opts.File, opts.File != ""
	if !explicit {
		path = DefaultFile
	}
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		cfg.applyFile(path, data)
		cfg.Source = path
	case !explicit && errors.Is(err, fs.ErrNotExist):
		// No file is fine: environment variables or the dev provider.
	default:
		cfg.addProblem("-config", "cannot read %s: %v", path, err)
	}
	cfg.applyEnv(getenv)
	return cfg
}

func (c *Config) addProblem(field, format string, args ...any) {
	c.problems = append(c.problems, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (c *Config) applyFile(path string, data []byte) {
	var f fileFormat
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		c.addProblem(path, "%s", describeJSONError(data, err))
		return
	}
	// One JSON object and nothing after it: trailing text is a mistake
	// (a pasted second object, a stray brace), not something to ignore.
	end := dec.InputOffset()
	rest := data[end:]
	if extra := bytes.TrimLeft(rest, " \t\r\n"); len(extra) > 0 {
		// position counts the offending byte itself, as json.SyntaxError does.
		line, col := position(data, end+int64(len(rest)-len(extra))+1)
		c.addProblem(path, "malformed JSON at line %d, column %d: unexpected text after the closing brace", line, col)
		return
	}
	o, s := f.OktaSample.OIDC, f.OktaSample.Server
	c.OktaURL = o.OktaURL
	c.Issuer = o.Issuer
	c.ClientID = o.ClientID
	c.ClientSecret = o.ClientSecret
	c.RedirectURI = o.RedirectURI
	c.StaticDir = s.StaticDir
	c.Framework = s.Framework
	c.WidgetDir = s.WidgetDir
	if s.Environment != "" {
		c.Environment = s.Environment
	}
	if len(s.Port) > 0 && string(s.Port) != "null" {
		// Okta's files write the port as a number; accept "8080" too.
		raw := strings.Trim(string(s.Port), `"`)
		p, err := strconv.Atoi(raw)
		if err != nil {
			c.addProblem(fieldPort, "%s is not a whole number; use for example 8080", s.Port)
			return
		}
		c.Port = p
	}
}

// describeJSONError turns a decoding error into a message with the line
// and column, which encoding/json reports only as a byte offset.
func describeJSONError(data []byte, err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(data, syn.Offset)
		return fmt.Sprintf("malformed JSON at line %d, column %d: %v", line, col, syn)
	case errors.As(err, &typ):
		line, col := position(data, typ.Offset)
		return fmt.Sprintf("line %d, column %d: %s must be a %s, not a JSON %s", line, col, typ.Field, typ.Type, typ.Value)
	case errors.Is(err, io.EOF):
		return "the file is empty; want a JSON object {\"oktaSample\": {...}}"
	default:
		return "malformed JSON: " + err.Error()
	}
}

// position converts a byte offset into a 1-based line and column.
func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1)
	if col < 1 {
		col = 1
	}
	return line, col
}

// The variables read for the client settings, first match wins: the Okta
// CLI's names, then the short names of Okta's Go samples.
func envIssuer() []string   { return []string{"OKTA_OAUTH2_ISSUER", "ISSUER"} }
func envClientID() []string { return []string{"OKTA_OAUTH2_CLIENT_ID", "CLIENT_ID"} }
func envSecret() []string   { return []string{"OKTA_OAUTH2_CLIENT_SECRET", "CLIENT_SECRET"} }
func envRedirect() []string { return []string{"OKTA_OAUTH2_REDIRECT_URI", "REDIRECT_URI"} }

func lookup(getenv func(string) string, names []string) (value, name string) {
	for _, n := range names {
		if v := strings.TrimSpace(getenv(n)); v != "" {
			return v, n
		}
	}
	return "", ""
}

func (c *Config) applyEnv(getenv func(string) string) {
	for _, s := range []struct {
		names []string
		dst   *string
	}{
		{envIssuer(), &c.Issuer},
		{envClientID(), &c.ClientID},
		{envSecret(), &c.ClientSecret},
		{envRedirect(), &c.RedirectURI},
		{[]string{"OKTA_SAMPLE_WIDGET_DIR"}, &c.WidgetDir},
	} {
		if v, _ := lookup(getenv, s.names); v != "" {
			*s.dst = v
		}
	}
	if v, n := lookup(getenv, []string{"PORT"}); v != "" {
		if p, err := strconv.Atoi(v); err != nil {
			c.addProblem(n, "%q is not a whole number; use for example 8080", v)
		} else {
			c.Port = p
		}
	}
	if v, n := lookup(getenv, []string{"OKTA_SAMPLE_LEEWAY"}); v != "" {
		if d, err := time.ParseDuration(v); err != nil {
			c.addProblem(n, "%q is not a duration; use for example 5m or 30s", v)
		} else {
			c.Leeway = d
		}
	}
	if v, n := lookup(getenv, []string{"OKTA_SAMPLE_PROVIDER_TIMEOUT"}); v != "" {
		if d, err := time.ParseDuration(v); err != nil || d <= 0 {
			c.addProblem(n, "%q is not a positive duration; use for example 10s", v)
		} else {
			c.ProviderTimeout = d
		}
	}
	if v, n := lookup(getenv, []string{"OKTA_SAMPLE_COOKIE_KEY"}); v != "" {
		if k, err := base64.StdEncoding.DecodeString(v); err != nil || len(k) != 32 {
			// The value is a secret: say what is wrong, never what it is.
			c.addProblem(n, "must be 32 random bytes in standard base64 (make one with: openssl rand -base64 32)")
		} else {
			c.CookieKey = k
		}
	}
}

// ListenAddr is the address the app listens on.
func (c Config) ListenAddr() string {
	if c.Addr != "" {
		return c.Addr
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port))
}

// CallbackPath is the path of the redirect URI, where the provider sends
// the browser back.
func (c Config) CallbackPath() string {
	u, err := url.Parse(c.RedirectURI)
	if err != nil || u.Path == "" {
		return DefaultCallback
	}
	return u.Path
}

// BaseURL is the app's own origin, from the redirect URI, with a trailing
// slash; it is where the provider returns the browser after logout.
func (c Config) BaseURL() string {
	u, err := url.Parse(c.RedirectURI)
	if err != nil {
		return "/"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}).String()
}

// Secure reports whether the app is served over https, so cookies must be
// marked Secure.
func (c Config) Secure() bool {
	return strings.HasPrefix(strings.ToLower(c.RedirectURI), "https://")
}
