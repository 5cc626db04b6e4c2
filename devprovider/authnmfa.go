package devprovider

import (
	"errors"
	"mime"
	"net/http"
	"time"
)

// The second factor in Okta's classic Authentication API: /api/v1/authn
// answers MFA_REQUIRED with a stateToken and the user's factors, and the
// Sign-In Widget posts the code to the factor's verify link, which answers
// SUCCESS with a sessionToken. The stateToken stays the same through wrong
// codes, is spent by the right one, and expires after mfaPendingTTL.

// authnFactor is an enrolled factor, as /api/v1/authn lists it.
type authnFactor struct {
	ID         string             `json:"id"`
	FactorType string             `json:"factorType"`
	Provider   string             `json:"provider"`
	VendorName string             `json:"vendorName"`
	Profile    authnFactorProfile `json:"profile"`
	Links      authnLinks         `json:"_links"`
}

type authnFactorProfile struct {
	CredentialID string `json:"credentialId"`
}

// authnLinks are HAL links (the _links object of Okta's API).
type authnLinks struct {
	Verify *authnLink `json:"verify,omitempty"`
	Cancel *authnLink `json:"cancel,omitempty"`
}

type authnLink struct {
	Href  string         `json:"href"`
	Hints authnLinkHints `json:"hints"`
}

type authnLinkHints struct {
	Allow []string `json:"allow"`
}

func postLink(href string) *authnLink {
	return &authnLink{Href: href, Hints: authnLinkHints{Allow: []string{http.MethodPost}}}
}

// authnVerifyRequest is the body of POST /api/v1/authn/factors/{id}/verify
// for a TOTP factor, and (stateToken only) of /api/v1/authn/cancel.
type authnVerifyRequest struct {
	StateToken string `json:"stateToken"`
	PassCode   string `json:"passCode"`
}

// requireFactor answers a correct password of a user with a TOTP factor:
// MFA_REQUIRED, with a stateToken for the rest of the transaction.
func (p *Provider) requireFactor(w http.ResponseWriter, r *http.Request, user User, a authentication) {
	stateToken, expires := p.authnMFA.addFor(p.clientKey(r), a)
	p.log.Info("password accepted, second factor required", "via", "authn", "sub", user.Subject)
	id := factorID(user.Subject)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, p.log, http.StatusOK, authnResponse{
		StateToken: stateToken,
		Status:     "MFA_REQUIRED",
		ExpiresAt:  expires.UTC().Format(time.RFC3339),
		Embedded: &authnEmbedded{User: authnUserOf(user), Factors: []authnFactor{{
			ID: id, FactorType: "token:software:totp", Provider: "GOOGLE", VendorName: "GOOGLE",
			Profile: authnFactorProfile{CredentialID: user.Login},
			Links:   authnLinks{Verify: postLink(p.origin + "/api/v1/authn/factors/" + id + "/verify")},
		}}},
		Links: &authnLinks{Cancel: postLink(p.origin + "/api/v1/authn/cancel")},
	})
}

// decodeAuthnJSON reads the JSON body of an authn call into v, or answers
// with Okta's error and returns false.
func (p *Provider) decodeAuthnJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if !p.originAllowed(r) {
		p.log.Warn("authn refused: untrusted origin", "origin", r.Header.Get("Origin"))
		p.writeOktaError(w, http.StatusForbidden, "E0000006", "You do not have permission to perform the requested action")
		return false
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		p.writeOktaError(w, http.StatusUnsupportedMediaType, "E0000003", "The request body was not well-formed.",
			"Content-Type must be application/json.")
		return false
	}
	if err := decodeJSON(http.MaxBytesReader(w, r.Body, maxAuthnBytes), v); err != nil {
		status := http.StatusBadRequest
		if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
			status = http.StatusRequestEntityTooLarge
		}
		p.writeOktaError(w, status, "E0000003", "The request body was not well-formed.")
		return false
	}
	return true
}

// handleFactorVerify serves POST /api/v1/authn/factors/{factorID}/verify
// for the TOTP factor: the code, checked through the throttle (a count of
// its own, apart from the password's), then SUCCESS with a sessionToken.
func (p *Provider) handleFactorVerify() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req authnVerifyRequest
		if !p.decodeAuthnJSON(w, r, &req) {
			return
		}
		a, ok := p.authnMFA.get(req.StateToken)
		if !ok {
			p.writeOktaError(w, http.StatusUnauthorized, "E0000011", "Invalid token provided")
			return
		}
		if r.PathValue("factorID") != factorID(a.subject) {
			p.writeOktaError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: factor")
			return
		}
		if req.PassCode == "" {
			p.writeOktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: passCode",
				"passCode: The field cannot be left blank")
			return
		}
		user, res, retryAfter := p.checkSecondFactor(a.subject, req.PassCode)
		switch res {
		case attemptLocked:
			p.log.Warn("one-time code refused: locked out", "via", "authn", "sub", a.subject, "retry_after", retryAfter)
			w.Header().Set("Retry-After", retryAfterSeconds(retryAfter))
			p.writeOktaError(w, http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
			return
		case attemptFailed:
			p.log.Warn("one-time code wrong", "via", "authn", "sub", a.subject)
			p.writeOktaError(w, http.StatusForbidden, "E0000068", "Invalid Passcode/Answer",
				"Your passcode doesn't match our records. Please try again.")
			return
		}
		if _, ok := p.authnMFA.take(req.StateToken); !ok {
			p.writeOktaError(w, http.StatusUnauthorized, "E0000011", "Invalid token provided")
			return
		}
		p.authnSuccess(w, r, user, authentication{subject: user.Subject, authTime: p.now(), amr: amrPasswordOTP()})
	})
}

// handleAuthnCancel serves POST /api/v1/authn/cancel: it ends the
// transaction of the stateToken.
func (p *Provider) handleAuthnCancel() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req authnVerifyRequest
		if !p.decodeAuthnJSON(w, r, &req) {
			return
		}
		if _, ok := p.authnMFA.take(req.StateToken); !ok {
			p.writeOktaError(w, http.StatusUnauthorized, "E0000011", "Invalid token provided")
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, p.log, http.StatusOK, struct {
			Embedded struct{} `json:"_embedded"`
		}{})
	})
}
