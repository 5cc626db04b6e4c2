package web

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
)

// diagnosis explains a failed login to the person who runs the app: what
// was expected against what came, the likely cause in plain words, and
// what to change where. It holds no secret: the values are issuers,
// client ids, key ids, times and the provider's own error words.
type diagnosis struct {
	// Cause names the cause for the log, such as "issuer-org-vs-custom".
	Cause string
	// Title is the likely cause in a line; Explain says more.
	Title, Explain string
	// Want and Got are the values compared, when there are two.
	Want, Got string
	// Fix is what to change, and where, one step a line.
	Fix []string
}

// diagnose explains e, using the values its Report recorded.
func (s *Server) diagnose(e *auth.Error) diagnosis {
	rep := e.Report
	if rep == nil {
		rep = &auth.Report{}
	}
	failed := failedCheck(rep)
	switch e.Step + "/" + e.Check {
	case "callback/iss":
		if e.Got == "" {
			return diagnosis{Cause: "iss-missing", Title: "The response carried no iss parameter",
				Explain: "The provider's discovery document says it sends RFC 9207's iss parameter with every authorization response, " +
					"but this one came without it. A response without it may come from another provider (a mix-up attack), " +
					"so nothing was exchanged.",
				Want: e.Want, Got: "(none)",
				Fix: []string{"If a proxy or a redirect in front of the app drops query parameters from the callback, make it keep them.",
					"Otherwise start a new login; if it happens again, the response was not made by " + e.Want + "."}}
		}
		d := s.issuerDiagnosis(e.Want, e.Got)
		d.Explain += " This was the authorization response's iss parameter (RFC 9207), checked before anything was exchanged: " +
			"a response from another provider would otherwise be mixed up with this one's."
		return d
	case "callback/error":
		return s.providerErrorDiagnosis(e)
	case "callback/code":
		return diagnosis{Cause: "no-code", Title: "The callback carried no code",
			Explain: "The redirect back to the app had neither a code nor an error. Someone opened the callback URL by hand, " +
				"or something between the provider and the app removed its query.",
			Fix: []string{"Start a new login from the app's pages."}}
	case "token/error":
		return s.tokenErrorDiagnosis(e)
	case "token/response":
		d := diagnosis{Cause: "token-response", Title: "The token endpoint gave no usable answer",
			Explain: "The app sent the token request, but the answer could not be used: " + failed.Got + ". " +
				"This is the provider's side (or a proxy in between), not the app's configuration.",
			Want: failed.Want, Got: failed.Got,
			Fix: []string{"Try again in a moment. If it persists, check the provider's status and anything between the app and " + rep.TokenEndpoint + " (a proxy, a firewall)."}}
		if rep.TokenType != "" && !strings.EqualFold(rep.TokenType, "Bearer") {
			d.Cause, d.Title = "token-type", "The access token is not a Bearer token"
			d.Explain = "The token response's token_type is " + rep.TokenType + "; this app (like Okta) uses Bearer tokens only."
		}
		return d
	case "id_token/iss":
		return s.issuerDiagnosis(failed.Want, failed.Got)
	case "id_token/aud":
		return s.audienceDiagnosis(failed.Want, failed.Got)
	case "id_token/azp":
		return diagnosis{Cause: "azp", Title: "The ID token was issued to another party (azp)",
			Explain: "The ID token's authorized party (azp) is not this app's client id, or it is missing although the token has " +
				"several audiences. The token was meant for another client.",
			Want: failed.Want, Got: orNone(failed.Got),
			Fix: []string{"Check that " + s.settingHint("clientId") + " is the Client ID of this app integration in Okta."}}
	case "id_token/exp", "id_token/iat", "id_token/nbf":
		return s.clockDiagnosis(e.Check, rep, failed)
	case "id_token/signature":
		return keyDiagnosis(rep)
	case "id_token/alg":
		return diagnosis{Cause: "alg", Title: "The ID token is signed with an algorithm the app does not accept",
			Explain: "The app accepts " + failed.Want + " only; the token says " + orNone(failed.Got) + ". \"none\" and HMAC " +
				"(HS256…) are always refused: with them anyone who knows the client secret, or nobody at all, could make a token. " +
				"Okta signs ID tokens with RS256.",
			Want: failed.Want, Got: orNone(failed.Got),
			Fix: []string{"If the provider is configured to sign with another asymmetric algorithm (RS512, ES256…), add it to auth.Config.SigningAlgs.",
				"Otherwise this token was not made by the provider: do not accept it."}}
	case "id_token/nonce":
		return nonceDiagnosis(failed)
	case "id_token/at_hash":
		return diagnosis{Cause: "at-hash", Title: "The access token does not belong to this ID token",
			Explain: "The ID token's at_hash is not the hash of the access token that came with it: one of the two was swapped " +
				"(token substitution).",
			Want: failed.Want, Got: failed.Got,
			Fix: []string{"Nothing to configure: start a new login. If it happens every time, something between the app and the provider rewrites tokens."}}
	case "id_token/sub", "id_token/format":
		return diagnosis{Cause: "malformed-id-token", Title: "The ID token is malformed",
			Explain: "The token response's id_token is not a well-formed OpenID Connect ID token (" + e.Check + ").",
			Fix:     []string{"Check that the issuer is an OpenID Connect provider (its discovery document lists an id_token response)."}}
	case "userinfo/sub":
		return diagnosis{Cause: "userinfo-sub", Title: "Userinfo is about another user",
			Explain: "The userinfo endpoint answered for a different subject than the ID token's, so its claims cannot be trusted " +
				"and no session was made (OIDC Core 5.3.2).",
			Want: failed.Want, Got: failed.Got,
			Fix: []string{"Nothing to configure in the app: the provider, or something in front of it, answered userinfo for the wrong user."}}
	}
	return diagnosis{Cause: "other", Title: "The login failed at " + e.Step,
		Explain: "The check " + e.Check + " failed. The server log has the details under this page's request id."}
}

// failedCheck is the last check of rep, the one that failed, or a zero
// one.
func failedCheck(rep *auth.Report) auth.ReportCheck {
	if n := len(rep.Checks); n > 0 && rep.Checks[n-1].Result == resultFail {
		return rep.Checks[n-1]
	}
	return auth.ReportCheck{}
}

// settingHint names where a setting is set, and where it now comes from.
func (s *Server) settingHint(name string) string {
	where := map[string]string{
		"issuer":       "the issuer (OKTA_OAUTH2_ISSUER, or oidc.issuer in .samples.config.json)",
		"clientId":     "the client id (OKTA_OAUTH2_CLIENT_ID, or oidc.clientId in .samples.config.json)",
		"clientSecret": "the client secret (OKTA_OAUTH2_CLIENT_SECRET, or oidc.clientSecret in .samples.config.json)",
		"redirectUri":  "the redirect URI (OKTA_OAUTH2_REDIRECT_URI, or oidc.redirectUri in .samples.config.json)",
	}[name]
	for _, st := range s.cfg.Masked() {
		if st.Name == name && st.Source != "" {
			return where + ", which now comes from " + st.Source
		}
	}
	return where
}

// issuerDiagnosis compares the configured issuer with the one a response
// or a token named, and tells Okta's two kinds of authorization server
// apart: the org's own (https://your-org.okta.com) and custom ones
// (https://your-org.okta.com/oauth2/default, /oauth2/aus…).
func (s *Server) issuerDiagnosis(configured, got string) diagnosis {
	d := diagnosis{Cause: "issuer-mismatch", Want: configured, Got: orNone(got)}
	cu, err1 := url.Parse(configured)
	gu, err2 := url.Parse(got)
	fixIssuer := "Set " + s.settingHint("issuer") + " to exactly the issuer your Okta app uses, and restart the app."
	servers := "Okta has two kinds of authorization server. The org authorization server's issuer is the org's URL alone " +
		"(https://your-org.okta.com); it signs users in to Okta itself. A custom authorization server's issuer has a path " +
		"(https://your-org.okta.com/oauth2/default, or /oauth2/aus… for others); Okta's samples, and this one, use \"default\". " +
		"Security → API → Authorization Servers in the Admin Console lists each one's Issuer URI."
	switch {
	case err1 != nil || err2 != nil || got == "":
		d.Title = "The issuer is not the configured one"
		d.Explain = "The app expected " + configured + " and got " + orNone(got) + "."
	case strings.TrimSuffix(configured, "/") == strings.TrimSuffix(got, "/"):
		d.Cause = "issuer-trailing-slash"
		d.Title = "The issuers differ only by a trailing slash"
		d.Explain = "Issuers are compared exactly (OIDC Core 3.1.3.7): " + configured + " and " + got + " are different issuers. " +
			"Okta's issuers end without a slash."
	case cu.Host == gu.Host && !isCustomServer(gu.Path) && isCustomServer(cu.Path):
		d.Cause = "issuer-org-vs-custom"
		d.Title = "This came from the org authorization server, but the app is configured for a custom one"
		d.Explain = "The issuer is " + got + ", the org authorization server, while the app expects " + configured +
			", a custom authorization server. " + servers
	case cu.Host == gu.Host && isCustomServer(gu.Path) && !isCustomServer(cu.Path):
		d.Cause = "issuer-custom-vs-org"
		d.Title = "This came from a custom authorization server, but the app is configured for the org authorization server"
		d.Explain = "The issuer is " + got + ", a custom authorization server, while the app expects " + configured +
			", the org authorization server. " + servers
	case cu.Host == gu.Host:
		d.Cause = "issuer-other-server"
		d.Title = "This came from another authorization server of the same org"
		d.Explain = "The issuer is " + got + ", the app expects " + configured + ". " + servers
	default:
		d.Cause = "issuer-other-host"
		d.Title = "This came from another org or another provider"
		d.Explain = "The issuer is " + got + " (host " + gu.Host + "), the app expects " + configured + " (host " + cu.Host + "). " +
			"Either the app is configured for another Okta org than the one that signed the user in, or the response did not come from your provider at all."
	}
	d.Fix = []string{fixIssuer, "Then check the new issuer before the first login: go run ./cmd/okta-sample doctor."}
	return d
}

// isCustomServer reports whether an Okta issuer path is a custom
// authorization server's (/oauth2/default, /oauth2/aus…).
func isCustomServer(path string) bool {
	rest, ok := strings.CutPrefix(path, "/oauth2/")
	return ok && rest != "" && !strings.Contains(strings.TrimSuffix(rest, "/"), "/")
}

func (s *Server) audienceDiagnosis(want, got string) diagnosis {
	d := diagnosis{Cause: "aud-mismatch", Title: "The ID token was issued to another app (aud)",
		Explain: "The ID token's audience (aud) is " + orNone(got) + ", but this app's client id is " + want + ". " +
			"An ID token is for the one client that asked for it; the app refuses one made for another.",
		Want: want, Got: orNone(got),
		Fix: []string{"Copy the Client ID from Okta's Admin Console (Applications → your app → General → Client Credentials) into " +
			s.settingHint("clientId") + ", and restart the app. The client secret must be that app's too."}}
	if strings.HasPrefix(got, "api://") {
		d.Explain += " " + got + " looks like an access token's audience (an authorization server's API), not a client id."
	}
	return d
}

// clockDiagnosis explains a time check beyond the leeway, with the clock
// skew the token response's Date header showed.
func (s *Server) clockDiagnosis(check string, rep *auth.Report, failed auth.ReportCheck) diagnosis {
	want, got := reportBuilder{rep: rep}.values(stepIDToken, check, failed)
	d := diagnosis{Want: want, Got: got}
	skew, known := rep.ClockSkew, !rep.ProviderDate.IsZero()
	var what string
	switch check {
	case "exp":
		d.Cause, d.Title = "expired", "The ID token had expired"
		if !rep.Expiry.IsZero() {
			what = "The ID token expired at " + fmtTime(rep.Expiry) + ", " + humanDuration(checkedSecond(rep).Sub(rep.Expiry)) +
				" before this server checked it at " + fmtTime(rep.Checked) + "."
		} else {
			what = "The ID token has no exp claim."
		}
	case "iat":
		d.Cause, d.Title = "issued-in-the-future", "The ID token was issued in this server's future"
		if !rep.IssuedAt.IsZero() {
			what = "The ID token says it was issued at " + fmtTime(rep.IssuedAt) + ", " + humanDuration(rep.IssuedAt.Sub(checkedSecond(rep))) +
				" after this server's clock read " + fmtTime(rep.Checked) + "."
		} else {
			what = "The ID token has no iat claim."
		}
	default:
		d.Cause, d.Title = "not-yet-valid", "The ID token is not valid yet (nbf)"
		what = "The ID token is not valid before " + fmtTime(rep.NotBefore) + ", " + humanDuration(rep.NotBefore.Sub(checkedSecond(rep))) +
			" after this server's clock read " + fmtTime(rep.Checked) + "."
	}
	what += " The app allows " + humanDuration(rep.Leeway) + " of clock difference (the leeway)."
	fixClock := "Synchronise this machine's clock with NTP (Linux: timedatectl set-ntp true; macOS: System Settings → General → " +
		"Date & Time → Set automatically; in a VM or a container, the host's clock)."
	leeway := "Raising OKTA_SAMPLE_LEEWAY (now " + rep.Leeway.String() + ", at most 15m) would hide the difference, not fix it."
	switch {
	case known && skew.Abs() > time.Minute:
		d.Cause = "clock-skew"
		ahead := "ahead of"
		if skew < 0 {
			ahead = "behind"
		}
		d.Title += ": the clocks differ by " + humanDuration(skew)
		d.Explain = what + " The provider's Date header, on its token response, says its clock is " + humanDuration(skew) + " " + ahead +
			" this server's: the clocks disagree, and a provider such as Okta keeps exact time, so this server's clock is the likely culprit."
		d.Fix = []string{fixClock, leeway}
	case known:
		d.Explain = what + " The provider's Date header agrees with this server's clock (" + strings.TrimPrefix(skewNote(rep), "clock skew seen: ") +
			"), so the clocks are fine: the provider made a token with these times, or an old token was replayed."
		d.Fix = []string{"Start a new login. If it happens every time, check the token lifetime in the provider's settings (Okta: the access policy rule of the authorization server)."}
	default:
		d.Explain = what + " The token response had no Date header, so the provider's clock could not be compared with this server's."
		d.Fix = []string{fixClock, leeway}
	}
	return d
}

// keyDiagnosis explains a signature that did not verify: a kid the key set
// does not list, a known kid with a bad signature, or keys that could not
// be fetched.
func keyDiagnosis(rep *auth.Report) diagnosis {
	known := strings.Join(rep.KnownKeyIDs, ", ")
	switch {
	case len(rep.KnownKeyIDs) == 0:
		return diagnosis{Cause: "jwks-unavailable", Title: "The provider's keys could not be read",
			Explain: "The app could not verify the signature because it has no key set from " + rep.JWKSURI + ": the fetch failed " +
				"(down, slow, or not a key set), or the app already fetched the keys within the last 10 seconds and waits before " +
				"fetching them again.",
			Want: "kid " + orNone(rep.KeyID), Got: "no key set",
			Fix: []string{"Open " + rep.JWKSURI + " in a browser: it must answer a JSON key set ({\"keys\": [...]}).",
				"Try again in a few seconds."}}
	case !slices.Contains(rep.KnownKeyIDs, rep.KeyID):
		return diagnosis{Cause: "unknown-kid", Title: "The ID token is signed with a key the provider does not publish (unknown kid)",
			Explain: "The token's header names the key " + orNone(rep.KeyID) + ", but the provider's key set at " + rep.JWKSURI +
				" lists " + known + ", even after fetching it again. Each Okta authorization server has its own keys, so the " +
				"usual cause is a token from another authorization server than the configured issuer's; it can also be a key " +
				"rotated in the last few seconds, or a forged token.",
			Want: "one of " + known, Got: orNone(rep.KeyID),
			Fix: []string{"Check that the issuer is the authorization server your app signs in with (its jwks_uri is the one above).",
				"Try again in a few seconds: after a key rotation the app fetches the new key set at most once every 10 seconds."}}
	default:
		return diagnosis{Cause: "bad-signature", Title: "The ID token's signature is not the provider's",
			Explain: "The provider publishes the key " + rep.KeyID + ", but the token's signature does not verify with it: the token " +
				"was altered or forged, or signed with another key under the same kid.",
			Want: "a signature by key " + rep.KeyID, Got: "a signature that does not verify",
			Fix: []string{"Nothing to configure: the token was not made by your provider as it is. Start a new login; if it " +
				"happens every time, look for something between the app and the provider that rewrites responses."}}
	}
}

func nonceDiagnosis(failed auth.ReportCheck) diagnosis {
	if failed.Got == "" {
		return diagnosis{Cause: "nonce-missing", Title: "The ID token has no nonce",
			Explain: "The login sent a nonce, and the provider must copy it into the ID token (OIDC Core 3.1.2.1); this one " +
				"has none, so the app cannot tell that the token was made for this login.",
			Want: failed.Want + " (shortened)", Got: "(none)",
			Fix: []string{"Check that the provider is an OpenID Connect provider that supports the nonce parameter (Okta does)."}}
	}
	return diagnosis{Cause: "nonce-mismatch", Title: "The ID token was made for another login (nonce)",
		Explain: "The ID token's nonce is not the one this browser's login sent. The code the callback carried was issued for " +
			"another login: an authorization code injection attempt (RFC 9700 4.5), or a provider that mixed up two logins. " +
			"Nothing was stored.",
		Want: failed.Want + " (shortened)", Got: failed.Got + " (shortened)",
		Fix: []string{"Start a new login. If it happens every time, the provider does not return the nonce of the request it answers."}}
}

// providerErrorDiagnosis explains an error= the provider sent back to the
// callback (RFC 6749 4.1.2.1).
func (s *Server) providerErrorDiagnosis(e *auth.Error) diagnosis {
	code := printableCode(e.Code)
	d := diagnosis{Cause: "provider-error", Got: code}
	switch {
	case e.Code == "access_denied":
		d.Cause = "access-denied"
		d.Title = "The provider denied the sign-in: the user is probably not assigned to the app"
		d.Explain = "The provider answered access_denied. On Okta this mostly means the user is not assigned to the app " +
			"integration (directly or through a group); it is also the answer when the user cancels, or when a sign-on policy refuses."
		d.Fix = []string{"In Okta's Admin Console: Applications → your app → Assignments → Assign → Assign to People (or to Groups, " +
			"such as Everyone), and pick this user.",
			"If the user is assigned, look at the app's sign-on policy (Sign On tab) and at the System Log for this sign-in."}
	case mentionsRedirectURI(e.Description):
		return s.redirectURIDiagnosis(e)
	case e.Code == "unauthorized_client":
		d.Cause = "unauthorized-client"
		d.Title = "The app is not allowed this grant"
		d.Explain = "The provider refused this kind of sign-in for this app (unauthorized_client)."
		d.Fix = []string{"In Okta's Admin Console: Applications → your app → General → Grant type: tick Authorization Code " +
			"(and Interaction Code for the custom login page on Identity Engine)."}
	case e.Code == "invalid_scope":
		d.Cause = "invalid-scope"
		d.Title = "A requested scope is not allowed"
		d.Explain = "The provider refused a scope the app asked for (invalid_scope)."
		d.Fix = []string{"The app asks for openid, email and profile: allow them in the authorization server's access policy (Security → API → Authorization Servers → Scopes and Access Policies)."}
	case e.Code == "login_required", e.Code == "consent_required", e.Code == "interaction_required":
		d.Cause = e.Code
		d.Title = "The provider needs the user to sign in again"
		d.Explain = "The provider answered " + code + "."
		d.Fix = []string{"Start a new login."}
	default:
		d.Title = "The provider refused the sign-in (" + code + ")"
		d.Explain = "The provider sent the error " + code + " back instead of a code; its own description is shown above."
		d.Fix = []string{"Look up " + code + " in the provider's documentation; on Okta, the System Log (Reports → System Log) has the details of this sign-in."}
	}
	return d
}

// mentionsRedirectURI reports whether an error_description is about the
// redirect_uri, as Okta's is ("The 'redirect_uri' parameter must be a
// Login redirect URI in the client app settings").
func mentionsRedirectURI(desc string) bool {
	d := strings.ToLower(desc)
	return strings.Contains(d, "redirect_uri") || strings.Contains(d, "redirect uri")
}

func (s *Server) redirectURIDiagnosis(e *auth.Error) diagnosis {
	return diagnosis{Cause: "redirect-uri", Title: "The provider does not accept the app's redirect URI",
		Explain: "The provider says the redirect URI " + s.cfg.RedirectURI + " is not one registered for this app (" +
			printableCode(e.Code) + "). A redirect URI must match a registered one exactly: scheme, host (localhost is not " +
			"127.0.0.1), port and path.",
		Want: "a sign-in redirect URI registered for the app", Got: s.cfg.RedirectURI,
		Fix: []string{"In Okta's Admin Console: Applications → your app → General → LOGIN → Sign-in redirect URIs: add " +
			s.cfg.RedirectURI + ".",
			"Or set " + s.settingHint("redirectUri") + " to one that is registered, and restart the app."}}
}

// tokenErrorDiagnosis explains an OAuth error from the token endpoint
// (RFC 6749 5.2).
func (s *Server) tokenErrorDiagnosis(e *auth.Error) diagnosis {
	code := printableCode(e.Code)
	switch {
	case e.Code == "invalid_client":
		return diagnosis{Cause: "invalid-client", Title: "The provider refused the app's client id or secret (invalid_client)",
			Explain: "The token endpoint did not accept the app's credentials, sent with client_secret_basic. The client secret is " +
				"wrong (copied incompletely, or from another app, or rotated since), or the client id is, or the app in Okta " +
				"expects another kind of client authentication.",
			Want: "client credentials the provider accepts", Got: code,
			Fix: []string{"Copy the Client ID and the Client secret from Okta's Admin Console (Applications → your app → General → " +
				"Client Credentials) into " + s.settingHint("clientId") + " and " + s.settingHint("clientSecret") + "; restart the app.",
				"On the same page, Client authentication must be \"Client secret\" (not \"Public key / Private key\"), and the app must be a Web app.",
				"go run ./cmd/okta-sample doctor checks the credentials without a sign-in."}}
	case mentionsRedirectURI(e.Description):
		return s.redirectURIDiagnosis(e)
	case e.Code == "invalid_grant":
		return diagnosis{Cause: "invalid-grant", Title: "The provider refused the code: used already, expired, or not this login's (invalid_grant)",
			Explain: "A code can be redeemed once, within a short time, by the client and with the PKCE verifier of the login " +
				"it was issued to. The callback was probably loaded twice (a reload, the back button, a browser that prefetches), " +
				"or the sign-in took too long between the provider and the app.",
			Want: "a fresh code of this login", Got: code,
			Fix: []string{"Start a new login, and do not reload the callback page.",
				"If it happens on every login, check that nothing requests the callback URL before the browser (a proxy, a link checker)."}}
	case e.Code == "unauthorized_client" || e.Code == "unsupported_grant_type":
		return diagnosis{Cause: "grant-not-allowed", Title: "The app is not allowed this grant (" + code + ")",
			Explain: "The token endpoint refused the grant the app used.",
			Got:     code,
			Fix: []string{"In Okta's Admin Console: Applications → your app → General → Grant type: tick Authorization Code (and " +
				"Interaction Code for the widget on Identity Engine); allow the same grants in the authorization server's access " +
				"policy rule (Security → API → Authorization Servers → Access Policies)."}}
	default:
		return diagnosis{Cause: "token-error", Title: "The token endpoint refused the request (" + code + ")",
			Explain: "The provider's token endpoint answered " + code + "; its own description is shown above.",
			Got:     code,
			Fix:     []string{fmt.Sprintf("Look up %s in the provider's documentation; on Okta, the System Log has the details.", code)}}
	}
}
