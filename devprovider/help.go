package devprovider

import (
	"net/http"
	"slices"
	"strconv"
	"time"
)

// HelpPagePath is the path, at the provider's origin, of the sign-in help
// page. It is where an Okta org serves its own, and where the Okta Sign-In
// Widget's "Help" link goes unless helpLinks.help says otherwise
// ({baseUrl}/help/login, in both the Classic and the Identity Engine
// widget, 7.49.0), so that link works against this provider too.
const HelpPagePath = "/help/login"

// HelpPageURL returns the absolute URL of the page at HelpPagePath. Its
// #forgot-password section explains that there is no password reset here:
// point the widget's helpLinks.forgotPassword there.
func (p *Provider) HelpPageURL() string { return p.origin + HelpPagePath }

// helpUser is one line of the help page's list of demo users.
type helpUser struct {
	Login, Password string
	TOTP            bool // signs in with a one-time code after the password
}

// helpView is the data of the help page.
type helpView struct {
	Stylesheet string
	// DemoUsers are listed with their passwords only when they are the
	// public demo users; other users' passwords are never shown.
	DemoUsers []helpUser
	TOTPPage  string
	// The lockout rule, as the throttle applies it.
	FreeFailures            int
	LockoutBase, LockoutMax string
	// Apps are the origins of the applications whose sign-in pages may
	// link here (the trusted origins), to go back to.
	Apps []string
}

// handleHelpPage serves GET /help/login: what this provider is, who can
// sign in, and why there is no password reset. It has no script and no
// form, so it needs nothing beyond the default Content-Security-Policy.
func (p *Provider) handleHelpPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := helpView{
			Stylesheet:   p.stylesheet(),
			TOTPPage:     p.TOTPPageURL(),
			FreeFailures: freeFailures,
			LockoutBase:  formatWait(lockoutBase),
			LockoutMax:   formatWait(lockoutMax),
		}
		if p.demoUsers {
			for _, u := range p.users.list {
				v.DemoUsers = append(v.DemoUsers, helpUser{Login: u.Login, Password: u.Password, TOTP: u.TOTPSecret != ""})
			}
		}
		for o := range p.trustedOrigins {
			v.Apps = append(v.Apps, o)
		}
		slices.Sort(v.Apps)
		p.renderHTML(w, http.StatusOK, p.pages.help, v, pagePolicy{})
	})
}

// formatWait writes a lockout time the way a person says it: "30 seconds",
// "15 minutes".
func formatWait(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return strconv.FormatInt(int64(d/time.Minute), 10) + " minutes"
	}
	return strconv.FormatInt(int64(d.Round(time.Second)/time.Second), 10) + " seconds"
}
