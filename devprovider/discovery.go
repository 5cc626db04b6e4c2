package devprovider

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Supported protocol features, advertised in discovery and enforced by the
// endpoints. Functions, so no caller can change the lists for everyone.
func supportedScopes() []string { return []string{"openid", "profile", "email", offlineAccessScope} }

func supportedClaims() []string {
	return []string{
		"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "amr", "jti", "sid",
		"name", "given_name", "family_name", "preferred_username", "locale", "zoneinfo", "updated_at",
		"email", "email_verified",
	}
}

// discoveryDocument is the provider metadata of OpenID Connect Discovery 1.0
// §3, which RFC 8414 §2 shares for OAuth authorization servers.
type discoveryDocument struct {
	Issuer                                     string   `json:"issuer"`
	AuthorizationEndpoint                      string   `json:"authorization_endpoint"`
	TokenEndpoint                              string   `json:"token_endpoint"`
	UserinfoEndpoint                           string   `json:"userinfo_endpoint"`
	JWKSURI                                    string   `json:"jwks_uri"`
	EndSessionEndpoint                         string   `json:"end_session_endpoint"`
	RevocationEndpoint                         string   `json:"revocation_endpoint"`
	ResponseTypesSupported                     []string `json:"response_types_supported"`
	ResponseModesSupported                     []string `json:"response_modes_supported"`
	GrantTypesSupported                        []string `json:"grant_types_supported"`
	SubjectTypesSupported                      []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported           []string `json:"id_token_signing_alg_values_supported"`
	ScopesSupported                            []string `json:"scopes_supported"`
	TokenEndpointAuthMethodsSupported          []string `json:"token_endpoint_auth_methods_supported"`
	RevocationEndpointAuthMethodsSupported     []string `json:"revocation_endpoint_auth_methods_supported"`
	ClaimsSupported                            []string `json:"claims_supported"`
	CodeChallengeMethodsSupported              []string `json:"code_challenge_methods_supported"`
	AuthorizationResponseIssParameterSupported bool     `json:"authorization_response_iss_parameter_supported"`
	RequestParameterSupported                  bool     `json:"request_parameter_supported"`
	// Front-Channel Logout 1.0 §3 and Back-Channel Logout 1.0 §2.1: the
	// provider notifies clients both ways, and always with iss and sid.
	FrontchannelLogoutSupported        bool `json:"frontchannel_logout_supported"`
	FrontchannelLogoutSessionSupported bool `json:"frontchannel_logout_session_supported"`
	BackchannelLogoutSupported         bool `json:"backchannel_logout_supported"`
	BackchannelLogoutSessionSupported  bool `json:"backchannel_logout_session_supported"`
}

// discoveryDocument builds the metadata once; it never changes.
func (p *Provider) discoveryDocument() ([]byte, error) {
	doc := discoveryDocument{
		Issuer:                           p.issuer,
		AuthorizationEndpoint:            p.issuer + "/v1/authorize",
		TokenEndpoint:                    p.issuer + "/v1/token",
		UserinfoEndpoint:                 p.issuer + "/v1/userinfo",
		JWKSURI:                          p.issuer + "/v1/keys",
		EndSessionEndpoint:               p.issuer + "/v1/logout",
		RevocationEndpoint:               p.issuer + "/v1/revoke",
		ResponseTypesSupported:           []string{"code"},
		ResponseModesSupported:           []string{"query"},
		GrantTypesSupported:              p.supportedGrants(),
		SubjectTypesSupported:            []string{"public"},
		IDTokenSigningAlgValuesSupported: []string{"RS256"},
		ScopesSupported:                  supportedScopes(),
		// "none": public clients send their client_id alone.
		TokenEndpointAuthMethodsSupported:          []string{"client_secret_basic", "client_secret_post", "none"},
		RevocationEndpointAuthMethodsSupported:     []string{"client_secret_basic", "client_secret_post", "none"},
		ClaimsSupported:                            supportedClaims(),
		CodeChallengeMethodsSupported:              []string{"S256", "plain"},
		AuthorizationResponseIssParameterSupported: true,
		FrontchannelLogoutSupported:                true,
		FrontchannelLogoutSessionSupported:         true,
		BackchannelLogoutSupported:                 true,
		BackchannelLogoutSessionSupported:          true,
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("marshal discovery document: %w", err)
	}
	return b, nil
}

// handleDiscovery serves {issuer}/.well-known/openid-configuration (OpenID
// Connect Discovery 1.0 §4) and, like Okta, the same document at
// {issuer}/.well-known/oauth-authorization-server (RFC 8414 §3).
func (p *Provider) handleDiscovery() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=300")
		writeJSONBytes(w, p.log, http.StatusOK, p.discoveryJSON)
	})
}
