package devprovider

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
)

// Engine names the Okta pipeline a provider imitates. An Okta org reports
// its own at /.well-known/okta-organization as "pipeline".
type Engine string

const (
	// EngineIdentity is Okta Identity Engine (OIE), every org created
	// since March 2022: the Sign-In Widget uses the interaction code flow
	// (/v1/interact and the IDX API under /idp/idx/), and /api/v1/authn
	// still answers.
	EngineIdentity Engine = "idx"
	// EngineClassic is the Classic Engine: /api/v1/authn and the
	// sessionToken only. The IDX endpoints answer 404 and the token
	// endpoint refuses the interaction_code grant, as a Classic org does.
	EngineClassic Engine = "v1"
)

// organization is the document Okta serves at
// {org}/.well-known/okta-organization. Clients, among them this sample's
// app, read "pipeline" to tell the engines apart.
type organization struct {
	ID       string           `json:"id"`
	Pipeline Engine           `json:"pipeline"`
	Links    organizationLink `json:"_links"`
	Settings organizationSets `json:"settings"`
}

type organizationLink struct {
	Organization struct {
		Href string `json:"href"`
	} `json:"organization"`
}

type organizationSets struct {
	AnalyticsCollectionEnabled bool `json:"analyticsCollectionEnabled"`
	BugReportingEnabled        bool `json:"bugReportingEnabled"`
}

// organizationDocument builds the document once. The id looks like an Okta
// org id ("00o" and 17 characters) and is derived from the origin, so it
// stays the same across restarts.
func (p *Provider) organizationDocument() ([]byte, error) {
	sum := sha256.Sum256([]byte(p.origin))
	doc := organization{ID: "00o" + hex.EncodeToString(sum[:])[:17], Pipeline: p.engine}
	doc.Links.Organization.Href = p.origin
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("marshal organization document: %w", err)
	}
	return b, nil
}

// Engine reports the pipeline the provider imitates.
func (p *Provider) Engine() Engine { return p.engine }

// handleOrganization serves GET {org}/.well-known/okta-organization.
func (p *Provider) handleOrganization() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=300")
		writeJSONBytes(w, p.log, http.StatusOK, p.orgJSON)
	})
}
