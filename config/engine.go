package config

// WidgetEngine is the mode the custom login page runs the Okta Sign-In
// Widget in (OKTA_SAMPLE_WIDGET_ENGINE, server.widgetEngine).
type WidgetEngine string

const (
	// WidgetEngineAuto asks the Okta org which engine it runs
	// ({org}/.well-known/okta-organization) and picks the mode that fits.
	WidgetEngineAuto WidgetEngine = "auto"
	// WidgetEngineOIE runs the widget in its Identity Engine mode, the
	// interaction code flow, whatever the org says.
	WidgetEngineOIE WidgetEngine = "oie"
	// WidgetEngineClassic runs the widget in its Classic Engine mode
	// (/api/v1/authn and a sessionToken), whatever the org says.
	WidgetEngineClassic WidgetEngine = "classic"
)

// DevEngine is the Okta engine the development provider imitates
// (-dev-engine).
type DevEngine string

const (
	// DevEngineIdentity is Okta Identity Engine, the default: the
	// provider answers "idx" at /.well-known/okta-organization and serves
	// the IDX API.
	DevEngineIdentity DevEngine = "idx"
	// DevEngineClassic is the Classic Engine: the provider answers "v1"
	// and serves /api/v1/authn only.
	DevEngineClassic DevEngine = "classic"
)

// engines reads the two engine settings into cfg, whose provider is
// already chosen: -dev-engine only means something with the development
// provider.
func (l *loader) engines(cfg *Config) {
	cfg.WidgetEngine = WidgetEngineAuto
	switch v := WidgetEngine(l.vals[settingWidgetEngine]); v {
	case "":
	case WidgetEngineAuto, WidgetEngineOIE, WidgetEngineClassic:
		cfg.WidgetEngine = v
	default:
		l.add(settingWidgetEngine, "%q is not an engine; use auto (ask the Okta org), oie (Identity Engine) or classic", string(v))
	}

	cfg.DevEngine = DevEngineIdentity
	v := DevEngine(l.vals[settingDevEngine])
	switch v {
	case "":
		return
	case DevEngineIdentity, DevEngineClassic:
		cfg.DevEngine = v
	default:
		l.add(settingDevEngine, "%q is not an engine; use idx (Identity Engine, the default) or classic", string(v))
		return
	}
	if !cfg.Dev {
		l.add(settingDevEngine, "sets the development provider's engine, but a provider is configured (issuer from %s); drop it, or add -dev", l.src[settingIssuer])
	}
}
