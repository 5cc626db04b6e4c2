package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/session"
)

// handleReport shows the login that made the current session, step by
// step (see auth.Report): what was sent, what came back, each check with
// the values it compared, and a sequence diagram of the flow. Without a
// session it starts a login that returns here.
func (s *Server) handleReport() http.Handler {
	type data struct {
		Report *reportView
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok, err := s.sessions.Current(r)
		if err != nil {
			s.fail(w, r, appError{Status: http.StatusInternalServerError, Title: "Could not read the session", Err: err,
				Message: "Your session could not be read. Log out and sign in again."})
			return
		}
		if !ok {
			http.Redirect(w, r, pathLogin+"?return_to="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
			return
		}
		rep, err := u.Report()
		if err != nil {
			s.fail(w, r, appError{Status: http.StatusInternalServerError, Title: "Could not read the login report", Err: err,
				Message: "The report of this login could not be read. Log out and sign in again to get a new one."})
			return
		}
		var d data
		if rep != nil {
			d.Report = s.reportView(rep, nil, &u)
		}
		s.render(w, r, http.StatusOK, "report", page{Title: "Login report", Nav: "report", Data: d})
	})
}

// reportView is a login report as a page shows it.
type reportView struct {
	// Flow is the way the user signed in: "redirect", "widget-classic" or
	// "widget-oie"; FlowTitle says it in words.
	Flow, FlowTitle string
	Failed          bool
	Steps           []reportStep
	// NotReached are the titles of the steps after a failure.
	NotReached  []string
	IDToken     *tokenView
	AccessToken *tokenView
	Diagram     diagram
}

// reportStep is one step of the login.
type reportStep struct {
	Number     int
	ID, Title  string
	Failed     bool
	Summary    string
	Facts      []fact
	Checks     []checkView
	Source     sourceRef
	Specs      []spec
	Diagnosis  *diagnosis
	FailedRule string
	// Collapsed shows only the step's title until it is opened.
	Collapsed bool
}

// fact is one thing a step sent or received.
type fact struct {
	Label, Value string
	// Code shows Value as code (a parameter, a URL).
	Code bool
}

// checkView is one check of a step, as a row.
type checkView struct {
	ID, Title, Rule string
	Want, Got, Note string
	// Time marks a check whose values are times, kept on one line.
	Time bool
	// Result is pass, fail, skip or unchecked (a failure came first).
	Result, ResultText string
	Specs              []spec
	Source             sourceRef
}

// tokenView is a token's decoded header and payload, indented, and its
// signature shortened.
type tokenView struct{ Header, Payload, Signature string }

// Flows, as the log's "signed in" line names them.
const (
	flowRedirect      = "redirect"
	flowWidgetClassic = "widget-classic"
	flowWidgetOIE     = "widget-oie"
)

// reportFlow names the way a login went: the grant tells the widget's
// Identity Engine flow, and the page the login began on the others.
func reportFlow(grant, startPath string) string {
	switch {
	case grant == "interaction_code":
		return flowWidgetOIE
	case startPath == pathLoginCustom:
		return flowWidgetClassic
	default:
		return flowRedirect
	}
}

var flowTitles = map[string]string{
	flowRedirect:      "Login redirect: the provider's hosted sign-in page",
	flowWidgetClassic: "Custom login: the Sign-In Widget with Okta's Authentication API (Classic Engine)",
	flowWidgetOIE:     "Custom login: the Sign-In Widget's interaction code flow (Identity Engine)",
}

// reportView turns rep into what a page shows. For a failed login, fail is
// the error and its diagnosis expands the failed step; u is the session
// of a successful one, for its last step.
func (s *Server) reportView(rep *auth.Report, fail *auth.Error, u *session.User) *reportView {
	v := &reportView{Flow: reportFlow(rep.Grant, rep.StartPath), Failed: rep.Failed != ""}
	v.FlowTitle = flowTitles[v.Flow]
	b := reportBuilder{s: s, rep: rep, view: v}
	steps := []func() reportStep{b.authorizeStep, b.callbackStep, b.tokenStep, b.keysStep, b.idTokenStep, b.userInfoStep}
	if u != nil {
		steps = append(steps, func() reportStep { return b.sessionStep(u) })
	}
	failedAt := -1
	for i, step := range steps {
		if failedAt >= 0 {
			break
		}
		st := step()
		st.Number = i + 1
		for _, c := range st.Checks {
			if c.Result == resultFail {
				st.Failed, st.FailedRule = true, c.Title
			}
		}
		if st.Failed {
			failedAt = i
			if fail != nil {
				d := s.diagnose(fail)
				st.Diagnosis = &d
			}
		} else if fail != nil {
			// On the error page the steps that went well fold away, so
			// the one that failed stands out.
			st.Collapsed = true
		}
		v.Steps = append(v.Steps, st)
	}
	if failedAt >= 0 {
		titles := []string{"Authorize request", "Callback", "Token exchange", "Keys (JWKS)", "ID token checks", "Userinfo", "Session"}
		v.NotReached = titles[failedAt+1:]
	}
	if rep.IDTokenHeader != "" {
		v.IDToken = &tokenView{Header: indentJSON(rep.IDTokenHeader), Payload: indentJSON(rep.IDTokenPayload), Signature: rep.IDTokenSignature}
	}
	if rep.AccessTokenHeader != "" {
		v.AccessToken = &tokenView{Header: indentJSON(rep.AccessTokenHeader), Payload: indentJSON(rep.AccessTokenPayload), Signature: rep.AccessTokenSignature}
	}
	v.Diagram = newDiagram(rep, v.Flow)
	return v
}

// Results of a check, as auth.ReportCheck has them, and one of the page's.
const (
	resultPass      = "pass"
	resultFail      = "fail"
	resultSkip      = "skip"
	resultUnchecked = "unchecked"
)

var resultTexts = map[string]string{
	resultPass:      "✓ passed",
	resultFail:      "✗ failed",
	resultSkip:      "– not applicable",
	resultUnchecked: "· not checked",
}

// reportBuilder makes the steps of one report.
type reportBuilder struct {
	s    *Server
	rep  *auth.Report
	view *reportView
}

// checks are the rows of step: each rule auth records for it, with its
// result, or "not checked" when an earlier failure stopped the login.
func (b reportBuilder) checks(step string) []checkView {
	recorded := make(map[string]auth.ReportCheck)
	for _, c := range b.rep.Checks {
		if c.Step == step {
			recorded[c.Rule] = c
		}
	}
	var rows []checkView
	for _, rule := range reportRuleOrder[step] {
		info := reportRules[step+"/"+rule]
		c, ok := recorded[rule]
		if !ok {
			if optionalRules[step+"/"+rule] {
				continue // recorded only when it failed
			}
			c = auth.ReportCheck{Step: step, Rule: rule, Result: resultUnchecked}
		}
		want, got := b.values(step, rule, c)
		row := checkView{ID: "check-" + step + "-" + rule, Title: info.Title, Rule: info.Rule, Want: want, Got: got,
			Result: c.Result, Specs: info.Specs, Source: info.Source}
		if row.Result == "" {
			row.Result = resultUnchecked
		}
		row.ResultText = resultTexts[row.Result]
		row.Time = rule == "exp" || rule == "iat" || rule == "nbf"
		row.Note = b.note(step, rule, c)
		rows = append(rows, row)
	}
	return rows
}

// values are the expected and actual values of a check as the page
// shows them: the check's own, or, where auth keeps them in the Report's
// fields (times, the key), taken from there.
func (b reportBuilder) values(step, rule string, c auth.ReportCheck) (want, got string) {
	rep := b.rep
	if c.Result == resultUnchecked || c.Result == resultSkip {
		return c.Want, c.Got
	}
	checked := checkedSecond(rep)
	switch step + "/" + rule {
	case "callback/code":
		return "a code or an interaction_code", c.Got
	case "id_token/signature":
		return "a published key: kid " + orNone(rep.KeyID), c.Got
	case "id_token/exp":
		return "after " + rfc3339(checked.Add(-rep.Leeway)), orNone(rfc3339(rep.Expiry))
	case "id_token/iat":
		return "before " + rfc3339(checked.Add(rep.Leeway)), orNone(rfc3339(rep.IssuedAt))
	case "id_token/nbf":
		return "before " + rfc3339(checked.Add(rep.Leeway)), orNone(rfc3339(rep.NotBefore))
	}
	return c.Want, c.Got
}

// rfc3339 is a time as a token carries it, or "" for none.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// optionalRules are recorded only when they fail: an error from the
// provider, a token that is not a JWT.
var optionalRules = map[string]bool{"callback/error": true, "id_token/format": true}

// note adds to a check's values what a person wants to know about them.
func (b reportBuilder) note(step, rule string, c auth.ReportCheck) string {
	rep := b.rep
	switch step + "/" + rule {
	case "callback/state":
		return "matched this browser's pending login, and was used once"
	case "callback/iss":
		if c.Result == resultSkip {
			if rep.IssAdvertised {
				return "the Sign-In Widget's redirect carries none; the token endpoint binds the interaction code to this login"
			}
			return "the provider does not send it and does not advertise it, so none is required"
		}
	case "callback/code":
		if c.Got != "" {
			return "present; its value is never shown or logged"
		}
	case "id_token/signature":
		if c.Result == resultPass {
			return fmt.Sprintf("%s key %s, %s", rep.Alg, rep.KeyID, keySource(rep.KeysFetched))
		}
	case "id_token/exp":
		if rep.Expiry.IsZero() || rep.Checked.IsZero() {
			return ""
		}
		if left := rep.Expiry.Sub(checkedSecond(rep)); left >= 0 {
			return "valid for " + humanDuration(left) + leewayNote(rep.Leeway)
		}
		return "expired " + humanDuration(checkedSecond(rep).Sub(rep.Expiry)) + " before this server checked it" + leewayNote(rep.Leeway)
	case "id_token/iat":
		if rep.IssuedAt.IsZero() || rep.Checked.IsZero() {
			return ""
		}
		var n string
		if ago := checkedSecond(rep).Sub(rep.IssuedAt); ago >= 0 {
			n = "issued " + humanDuration(ago) + " ago"
		} else {
			n = "issued " + humanDuration(-ago) + " in this server's future"
		}
		return n + "; " + skewNote(rep)
	case "id_token/nbf":
		if !rep.NotBefore.IsZero() && rep.NotBefore.After(checkedSecond(rep)) {
			return "not valid for another " + humanDuration(rep.NotBefore.Sub(checkedSecond(rep))) + leewayNote(rep.Leeway)
		}
		if c.Result == resultSkip {
			return "no nbf claim: it is optional"
		}
	case "id_token/azp":
		if c.Result == resultSkip {
			return "no azp claim, and one audience: nothing to check"
		}
	case "id_token/nonce":
		if c.Result == resultPass {
			return "matches the nonce of this browser's login"
		}
	case "id_token/at_hash":
		if c.Result == resultSkip {
			return "no at_hash claim: it is optional in the code flow"
		}
		return "left half of the SHA-256 of the access token, base64url"
	}
	return ""
}

// checkedSecond is the time the claims were checked, to the second, as
// the times in a token are: a token issued this second was issued "under
// a second ago", not a fraction of a second before or after.
func checkedSecond(rep *auth.Report) time.Time { return rep.Checked.Truncate(time.Second) }

func leewayNote(leeway time.Duration) string {
	if leeway <= 0 {
		return " (no clock leeway)"
	}
	return " (clock leeway " + humanDuration(leeway) + ")"
}

// skewNote says how far the provider's clock was from this server's, as
// the Date header of its token response showed.
func skewNote(rep *auth.Report) string {
	if rep.ProviderDate.IsZero() {
		return "the token response had no Date header to compare clocks with"
	}
	switch skew := rep.ClockSkew; {
	case skew.Abs() <= time.Second:
		return "clock skew seen: none, the provider's Date header agrees with this server's clock to the second"
	case skew > 0:
		return "clock skew seen: the provider's clock is " + humanDuration(skew) + " ahead of this server's (its Date header)"
	default:
		return "clock skew seen: the provider's clock is " + humanDuration(-skew) + " behind this server's (its Date header)"
	}
}

func keySource(fetched bool) string {
	if fetched {
		return "fetched from the jwks_uri while checking this token"
	}
	return "from the app's cache of the provider's keys (no request)"
}

func (b reportBuilder) authorizeStep() reportStep {
	rep := b.rep
	st := reportStep{ID: "step-authorize", Title: "Authorize request", Source: sourceBegin,
		Specs: []spec{specOIDCAuthReq, specRFC9700PKCE}}
	endpoint := rep.AuthorizationEndpoint
	switch b.view.Flow {
	case flowWidgetOIE:
		st.Summary = "The app's custom login page started a login and gave the Sign-In Widget its state, nonce and code challenge. " +
			"The widget sent them to the provider's /v1/interact, then took the user through the Identity Engine's steps (IDX), " +
			"and came back with an interaction code."
		endpoint = rep.Issuer + "/v1/interact"
	case flowWidgetClassic:
		st.Summary = "The app's custom login page started a login and gave the Sign-In Widget its state, nonce and code challenge. " +
			"The widget signed the user in with the Authentication API (/api/v1/authn), then sent the browser to the authorization " +
			"endpoint with a one-time sessionToken and these parameters."
	default:
		st.Summary = "The app started a login and redirected the browser to the provider's authorization endpoint with these parameters; " +
			"the user signed in on the provider's own page."
	}
	st.Summary += " The PKCE verifier, and the whole state and nonce, stayed in this browser's encrypted transaction cookie."
	st.Facts = []fact{
		{Label: "started", Value: fmtTime(rep.Started)},
		{Label: "endpoint", Value: endpoint, Code: true},
		{Label: "client_id", Value: rep.ClientID, Code: true},
		{Label: "redirect_uri", Value: rep.RedirectURI, Code: true},
		{Label: "response_type", Value: "code", Code: true},
		{Label: "scope", Value: rep.Scope, Code: true},
		{Label: "state", Value: rep.State + " (shortened)", Code: true},
		{Label: "nonce", Value: rep.Nonce + " (shortened)", Code: true},
		{Label: "code_challenge", Value: rep.CodeChallenge + " (shortened)", Code: true},
		{Label: "code_challenge_method", Value: rep.CodeChallengeMethod, Code: true},
	}
	return st
}

func (b reportBuilder) callbackStep() reportStep {
	rep := b.rep
	st := reportStep{ID: "step-callback", Title: "Callback", Source: sourceRef{"auth/callback.go", "Finish"},
		Specs:  []spec{specRFC9700CSRF, specRFC9207},
		Checks: b.checks(stepCallback)}
	st.Summary = "The provider sent the browser back to the redirect URI. Before any request to the provider, the app checked the response."
	carried := "code, state, iss"
	if rep.Grant == "interaction_code" {
		carried = "interaction_code, state"
	}
	advertised := "no"
	if rep.IssAdvertised {
		advertised = "yes (authorization_response_iss_parameter_supported)"
	}
	st.Facts = []fact{
		{Label: "to", Value: pathOf(rep.RedirectURI), Code: true},
		{Label: "expected", Value: carried},
		{Label: "RFC 9207 iss advertised", Value: advertised},
	}
	return st
}

func (b reportBuilder) tokenStep() reportStep {
	rep := b.rep
	st := reportStep{ID: "step-token", Title: "Token exchange", Source: sourceExchange,
		Specs:  []spec{specRFC6749Token, specRFC6749Basic, specRFC7636},
		Checks: b.checks(stepToken)}
	grant := "authorization_code"
	if rep.Grant == "interaction_code" {
		grant = "interaction_code (Okta Identity Engine)"
	}
	st.Summary = "The app, not the browser, redeemed the code at the token endpoint, authenticating with its client secret " +
		"and proving with the PKCE verifier that it started this login."
	st.Facts = []fact{
		{Label: "request", Value: "POST " + rep.TokenEndpoint, Code: true},
		{Label: "grant_type", Value: grant, Code: true},
		{Label: "client authentication", Value: rep.ClientAuth + ": the client id and secret in the Authorization header (the secret is never shown)"},
		{Label: "PKCE", Value: "code_verifier sent; its S256 hash is the code_challenge above"},
	}
	if rep.TokenStatus != 0 {
		st.Facts = append(st.Facts, fact{Label: "answer", Value: fmt.Sprintf("HTTP %d in %s", rep.TokenStatus, fmtElapsed(rep.TokenTime))})
	} else if rep.Failed == stepToken {
		st.Facts = append(st.Facts, fact{Label: "answer", Value: "none usable after " + fmtElapsed(rep.TokenTime)})
	}
	if !rep.ProviderDate.IsZero() {
		st.Facts = append(st.Facts, fact{Label: "provider's Date header", Value: fmtTime(rep.ProviderDate) + "; " + skewNote(rep)})
	}
	if rep.TokenType != "" {
		tokens := rep.TokenType + " access token"
		if rep.AccessTokenLifetime > 0 {
			tokens += ", valid " + humanDuration(rep.AccessTokenLifetime)
		}
		if rep.AccessTokenHeader != "" {
			tokens += " (a JWT, decoded below)"
		}
		if !rep.IssuedAt.IsZero() && !rep.Expiry.IsZero() {
			tokens += "; ID token, valid " + humanDuration(rep.Expiry.Sub(rep.IssuedAt))
		}
		if rep.RefreshToken {
			tokens += "; a refresh token (not kept)"
		}
		st.Facts = append(st.Facts, fact{Label: "tokens received", Value: tokens})
	}
	if rep.GrantedScope != "" {
		st.Facts = append(st.Facts, fact{Label: "scope granted", Value: rep.GrantedScope, Code: true})
	}
	return st
}

func (b reportBuilder) keysStep() reportStep {
	rep := b.rep
	st := reportStep{ID: "step-keys", Title: "Keys (JWKS)", Source: sourceKeys, Specs: []spec{specOIDCRotate}}
	st.Summary = "The ID token's header names the key (kid) and algorithm it was signed with; the app looks the key up in the " +
		"provider's published key set, from its cache, and fetches the set again only for a kid it does not know (at most " +
		"once every 10 seconds)."
	st.Facts = []fact{
		{Label: "jwks_uri", Value: rep.JWKSURI, Code: true},
		{Label: "kid", Value: orNone(rep.KeyID), Code: rep.KeyID != ""},
		{Label: "alg", Value: orNone(rep.Alg), Code: rep.Alg != ""},
		{Label: "key set", Value: keySource(rep.KeysFetched)},
	}
	if len(rep.KnownKeyIDs) > 0 {
		st.Facts = append(st.Facts, fact{Label: "kids in the key set", Value: strings.Join(rep.KnownKeyIDs, ", "), Code: true})
	}
	return st
}

func (b reportBuilder) idTokenStep() reportStep {
	rep := b.rep
	st := reportStep{ID: "step-id-token", Title: "ID token checks", Source: sourceRef{"auth/idtoken.go", "verifyIDToken, checkClaims"},
		Specs: []spec{specOIDCValidation}, Checks: b.checks(stepIDToken)}
	st.Summary = "Every rule of OpenID Connect Core 3.1.3.7, in order; go-oidc checks the algorithm, the signature, iss and aud, " +
		"and auth/idtoken.go the rest."
	if !rep.Checked.IsZero() {
		st.Facts = []fact{{Label: "checked at", Value: fmtTime(rep.Checked) + ", clock leeway " + humanDuration(rep.Leeway)}}
	}
	return st
}

func (b reportBuilder) userInfoStep() reportStep {
	rep := b.rep
	st := reportStep{ID: "step-userinfo", Title: "Userinfo", Source: sourceRef{"auth/callback.go", "userInfo"},
		Specs: []spec{specOIDCUserInfo}, Checks: b.checks(stepUserInfo)}
	st.Summary = "With the access token in the Authorization header, the app read the userinfo endpoint; its claims join the " +
		"ID token's only if they are about the same user."
	if rep.UserInfoEndpoint != "" {
		st.Facts = append(st.Facts, fact{Label: "request", Value: "GET " + rep.UserInfoEndpoint, Code: true})
	}
	if rep.UserInfoStatus != 0 {
		st.Facts = append(st.Facts, fact{Label: "answer", Value: fmt.Sprintf("HTTP %d in %s", rep.UserInfoStatus, fmtElapsed(rep.UserInfoTime))})
	}
	switch {
	case rep.UserInfoSkipped != "":
		st.Facts = append(st.Facts, fact{Label: "not used", Value: rep.UserInfoSkipped + "; the sign-in went on with the ID token's claims"})
	case len(rep.UserInfoAdded) > 0:
		st.Facts = append(st.Facts, fact{Label: "claims added", Value: strings.Join(rep.UserInfoAdded, ", "), Code: true})
	case rep.Failed == "":
		st.Facts = append(st.Facts, fact{Label: "claims added", Value: "none: the ID token had them all"})
	}
	return st
}

func (b reportBuilder) sessionStep(u *session.User) reportStep {
	idle, lifetime := b.s.sessions.Timeouts()
	st := reportStep{ID: "step-session", Title: "Session", Source: sourceSession, Specs: []spec{specOWASPSession}}
	st.Summary = "The app made a new server-side session for you. Your browser holds only its random id, in an HttpOnly cookie; " +
		"the tokens never reach the browser."
	st.Facts = []fact{
		{Label: "id", Value: "renewed: a new random id (130 bits) at this sign-in, and this browser's earlier session, if any, ended (against session fixation); the id is never shown or logged"},
		{Label: "signed in", Value: fmtTime(u.SignedInAt())},
		{Label: "lifetimes", Value: "ends after " + humanDuration(idle) + " unused, and " + humanDuration(lifetime) + " after sign-in at the latest (" + fmtTime(u.SignedInAt().Add(lifetime)) + ")"},
		{Label: "stored", Value: storedNote(u)},
	}
	return st
}

// storedNote says what the session keeps, never the id or a token's value.
func storedNote(u *session.User) string {
	kept := []string{"your sub and sid", fmt.Sprintf("%d claims", len(u.AppendClaims(nil))),
		fmt.Sprintf("the ID token (%d bytes, for logout's id_token_hint)", len(u.IDToken()))}
	if n := len(u.AccessToken()); n > 0 {
		kept = append(kept, fmt.Sprintf("the access token (%d bytes, to revoke it at logout)", n))
	}
	if u.RefreshToken() != "" {
		kept = append(kept, "the refresh token (to revoke it at logout)")
	}
	kept = append(kept, fmt.Sprintf("this report (%d bytes)", u.ReportSize()))
	return "under the SHA-256 of the id: " + strings.Join(kept[:len(kept)-1], ", ") + " and " + kept[len(kept)-1]
}

// pathOf is the path of an absolute URL, or the URL when it has none.
func pathOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Path == "" {
		return rawURL
	}
	return u.Path
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// indentJSON indents a JSON document for reading, or returns it as it is.
func indentJSON(s string) string {
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(s), "", "  "); err != nil {
		return s
	}
	return b.String()
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "(unknown)"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// fmtElapsed is a request's duration for people.
func fmtElapsed(d time.Duration) string {
	switch {
	case d <= 0:
		return "(not measured)"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	case d < 10*time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	default:
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
}

// humanDuration is a span of time for people, to the second and then cut
// to its largest unit: "2 s", "59 min", "1 h 5 min", "3 days".
func humanDuration(d time.Duration) string {
	d = d.Abs().Round(time.Second)
	switch {
	case d < time.Second:
		return "under a second"
	case d < time.Minute:
		return fmt.Sprintf("%d s", d/time.Second)
	case d < time.Hour:
		return fmt.Sprintf("%d min", d/time.Minute)
	case d < 48*time.Hour:
		h, m := d/time.Hour, (d%time.Hour)/time.Minute
		if m == 0 {
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	default:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
}
