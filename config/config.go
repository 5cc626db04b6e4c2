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
// filled in. It fails only when the file cannot be read or parsed; call
// Validate for everything else.
func Load(opts Options) (Config, error) {
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
		if err := cfg.applyFile(path, data); err != nil {
			return Config{}, err
		}
		cfg.Source = path
	case !explicit && errors.Is(err, fs.ErrNotExist):
		// No file is fine: environment variables or the dev provider.
	default:
		return Config{}, fmt.Errorf("config: reading %s: %w", path, err)
	}

	if err := cfg.applyEnv(getenv); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func (c *Config) applyFile(path string, data []byte) error {
	var f fileFormat
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("config: %s: %s", path, describeJSONError(data, err))
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
			return fmt.Errorf("config: %s: oktaSample.server.port is %s; want a whole number such as 8080", path, s.Port)
		}
		c.Port = p
	}
	return nil
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

// env lists, per setting, the variables read, first match wins: the Okta
// CLI's names, then the short names of Okta's Go samples.
var envNames = struct {
	issuer, clientID, secret, redirect, port, leeway, timeout, cookieKey, widgetDir []string
}{
	issuer:    []string{"OKTA_OAUTH2_ISSUER", "ISSUER"},
	clientID:  []string{"OKTA_OAUTH2_CLIENT_ID", "CLIENT_ID"},
	secret:    []string{"OKTA_OAUTH2_CLIENT_SECRET", "CLIENT_SECRET"},
	redirect:  []string{"OKTA_OAUTH2_REDIRECT_URI", "REDIRECT_URI"},
	port:      []string{"PORT"},
	leeway:    []string{"OKTA_SAMPLE_LEEWAY"},
	timeout:   []string{"OKTA_SAMPLE_PROVIDER_TIMEOUT"},
	cookieKey: []string{"OKTA_SAMPLE_COOKIE_KEY"},
	widgetDir: []string{"OKTA_SAMPLE_WIDGET_DIR"},
}

func lookup(getenv func(string) string, names []string) (value, name string) {
	for _, n := range names {
		if v := strings.TrimSpace(getenv(n)); v != "" {
			return v, n
		}
	}
	return "", ""
}

func (c *Config) applyEnv(getenv func(string) string) error {
	for _, s := range []struct {
		names []string
		dst   *string
	}{
		{envNames.issuer, &c.Issuer},
		{envNames.clientID, &c.ClientID},
		{envNames.secret, &c.ClientSecret},
		{envNames.redirect, &c.RedirectURI},
		{envNames.widgetDir, &c.WidgetDir},
	} {
		if v, _ := lookup(getenv, s.names); v != "" {
			*s.dst = v
		}
	}
	var errs []string
	if v, n := lookup(getenv, envNames.port); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s is %q; want a whole number such as 8080", n, v))
		}
		c.Port = p
	}
	if v, n := lookup(getenv, envNames.leeway); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s is %q; want a duration such as 5m or 30s", n, v))
		}
		c.Leeway = d
	}
	if v, n := lookup(getenv, envNames.timeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Sprintf("%s is %q; want a positive duration such as 10s", n, v))
		}
		c.ProviderTimeout = d
	}
	if v, n := lookup(getenv, envNames.cookieKey); v != "" {
		k, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(k) != 32 {
			// The value is a secret: say what is wrong, never what it is.
			errs = append(errs, fmt.Sprintf("%s must be 32 random bytes in standard base64 (make one with: openssl rand -base64 32)", n))
		}
		c.CookieKey = k
	}
	if len(errs) > 0 {
		return fmt.Errorf("config: %s", strings.Join(errs, "; "))
	}
	return nil
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
