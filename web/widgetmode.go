package web

import (
	"context"

	"github.com/okta-samples/okta-go-sample/config"
	"github.com/okta-samples/okta-go-sample/internal/oktaorg"
)

// widgetMode is how the custom login page runs the Okta Sign-In Widget,
// and why; the page shows both.
type widgetMode struct {
	// OIE is the widget's Identity Engine mode, Okta's interaction code
	// flow; otherwise its Classic Engine mode (/api/v1/authn and a
	// sessionToken).
	OIE bool
	// Forced reports that the widget engine setting chose the mode, so the
	// org was not asked.
	Forced bool
	// Engine is what the org reported, when it was asked.
	Engine oktaorg.Engine
	// OrgDocURL is the org's organization document, which says its engine.
	OrgDocURL string
}

// widgetMode chooses the widget's mode: the one the widget engine setting
// forces, or the one that fits the org's engine. Identity Engine orgs get
// the interaction code flow, which Okta recommends for them and which
// alone applies their authentication policies; Classic orgs, and orgs that
// could not be asked yet, get the classic mode, which both engines answer
// for a password.
func (s *Server) widgetMode(ctx context.Context) widgetMode {
	m := widgetMode{OrgDocURL: s.engine.URL()}
	switch s.cfg.WidgetEngine {
	case config.WidgetEngineOIE:
		m.OIE, m.Forced = true, true
	case config.WidgetEngineClassic:
		m.Forced = true
	default:
		m.Engine = s.engine.Check(ctx)
		m.OIE = m.Engine == oktaorg.EngineIdentity
	}
	return m
}

// NotOkta reports that the org said it is no Okta org at all: no
// organization document.
func (m widgetMode) NotOkta() bool { return !m.Forced && m.Engine == oktaorg.EngineNotOkta }

// Unknown reports that the org could not be asked yet.
func (m widgetMode) Unknown() bool { return !m.Forced && m.Engine == oktaorg.EngineUnknown }

// Name is the mode's name for the page.
func (m widgetMode) Name() string {
	if m.OIE {
		return "Identity Engine"
	}
	return "Classic Engine"
}

// Setting names the widget engine setting's value, for the page.
func (m widgetMode) Setting() string {
	if m.OIE {
		return string(config.WidgetEngineOIE)
	}
	return string(config.WidgetEngineClassic)
}

// engine is the mode as login-custom.js reads it.
func (m widgetMode) engine() string { return m.Setting() }
