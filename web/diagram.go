package web

import (
	"fmt"
	"strings"

	"github.com/okta-samples/okta-go-sample/auth"
)

// diagram is a sequence diagram of one login between the browser, the app
// and the provider, drawn by the server as SVG (the "diagram" template):
// no script, and no style attributes, which the Content-Security-Policy
// would block; its look is in static/style.css.
type diagram struct {
	Title         string
	Width, Height int
	Lanes         []lane
	Rows          []diagramRow
}

// lane is one party's lifeline, under its label.
type lane struct {
	X, LabelY, Top, Bottom int
	Label                  string
}

// diagramRow is one message between two parties (an arrow), or a note on
// the app's lifeline (X2 == 0).
type diagramRow struct {
	Y, X1, X2      int
	LabelX, LabelY int
	Label          string
	Class          string // "request", "response" or "fail", and "note" for a note
	Head           string // the arrowhead's points
	// NoteX, NoteY and NoteW place a note's box.
	NoteX, NoteY, NoteW int
}

// Diagram geometry: three lanes, one row per message.
const (
	laneBrowser  = 110
	laneApp      = 450
	laneProvider = 790
	diagramWidth = 900
	diagramTop   = 56
	rowHeight    = 34
)

// diagramStep is a message or note, before it is laid out.
type diagramStep struct {
	from, to int // lane x; to == 0 for a note on from
	label    string
	class    string
}

// newDiagram draws the login rep reports, in the flow it went: up to the
// failure, if it failed, with the failure in red.
func newDiagram(rep *auth.Report, flow string) diagram {
	b, a, p := laneBrowser, laneApp, laneProvider
	msg := func(from, to int, label string) diagramStep {
		class := "request"
		if from == p || (from == a && to == b) {
			class = "response"
		}
		return diagramStep{from: from, to: to, label: label, class: class}
	}
	var steps []diagramStep
	rel := func(endpoint string) string { return relativeTo(endpoint, rep.Issuer) }
	switch flow {
	case flowWidgetOIE:
		steps = append(steps,
			msg(b, a, "GET "+pathLoginCustom),
			msg(a, b, "page with the widget: state, nonce, challenge · tx cookie"),
			msg(b, p, "POST "+rel(rep.Issuer+"/v1/interact")+" · client_id, state, nonce, code_challenge"),
			msg(p, b, "interaction_handle"),
			msg(b, p, "POST /idp/idx/… · identify, password, factors (IDX)"),
			msg(p, b, "successWithInteractionCode"),
		)
	case flowWidgetClassic:
		steps = append(steps,
			msg(b, a, "GET "+pathLoginCustom),
			msg(a, b, "page with the widget: state, nonce, challenge · tx cookie"),
			msg(b, p, "POST /api/v1/authn · username, password"),
			msg(p, b, "SUCCESS · sessionToken"),
			msg(b, p, "GET "+rel(rep.AuthorizationEndpoint)+" · sessionToken, state, nonce, code_challenge"),
		)
	default:
		steps = append(steps,
			msg(b, a, "GET "+pathLogin),
			msg(a, b, "302 to "+rel(rep.AuthorizationEndpoint)+" · tx cookie"),
			msg(b, p, "GET "+rel(rep.AuthorizationEndpoint)+" · client_id, state, nonce, code_challenge"),
			msg(p, b, "sign-in page (or single sign-on)"),
			msg(b, p, "the user signs in"),
		)
	}
	callback := pathOf(rep.RedirectURI)
	failed := failedCheck(rep)
	failNote := func(what string) diagramStep {
		return diagramStep{from: a, label: "✗ " + what, class: "fail"}
	}
	errorPage := diagramStep{from: a, to: b, label: "error page, with this report", class: "fail"}
	switch {
	case rep.Grant == "interaction_code":
		steps = append(steps, msg(b, a, "GET "+callback+" · interaction_code, state"))
	case rep.Failed == stepCallback && failed.Rule == "error":
		steps = append(steps, msg(p, b, "302 to "+callback+" · error="+failed.Got),
			msg(b, a, "GET "+callback+" · error, state"))
	default:
		steps = append(steps, msg(p, b, "302 to "+callback+" · code, state, iss"),
			msg(b, a, "GET "+callback+" · code, state, iss"))
	}
	if rep.Failed == stepCallback {
		return layout(rep, append(steps, failNote("callback: "+failed.Rule), errorPage))
	}
	steps = append(steps, diagramStep{from: a, label: "✓ state (single use), iss, code", class: "note"})
	steps = append(steps, msg(a, p, "POST "+rel(rep.TokenEndpoint)+" · code, verifier, client auth"))
	if rep.Failed == stepToken {
		answer := "no answer"
		if rep.TokenStatus != 0 {
			answer = fmt.Sprint(rep.TokenStatus)
			if _, code, ok := strings.Cut(failed.Got, " "); ok && failed.Rule == "response" {
				answer += " " + code
			}
		}
		steps = append(steps, diagramStep{from: p, to: a, label: answer, class: "fail"})
		return layout(rep, append(steps, failNote("token: "+failed.Rule), errorPage))
	}
	steps = append(steps, msg(p, a, fmt.Sprintf("%d · id_token, access_token · %s", rep.TokenStatus, fmtElapsed(rep.TokenTime))))
	if rep.KeysFetched {
		steps = append(steps, msg(a, p, "GET "+rel(rep.JWKSURI)), msg(p, a, "key set"))
	}
	if rep.Failed == stepIDToken {
		return layout(rep, append(steps, failNote("id_token: "+failed.Rule), errorPage))
	}
	steps = append(steps, diagramStep{from: a, label: "✓ id_token: kid " + shortKid(rep.KeyID) + ", iss, aud, exp, iat, nonce…", class: "note"})
	if rep.UserInfoEndpoint != "" && rep.UserInfoStatus != 0 || rep.Failed == stepUserInfo {
		steps = append(steps, msg(a, p, "GET "+rel(rep.UserInfoEndpoint)+" · Bearer access token"))
		if rep.UserInfoStatus != 0 {
			steps = append(steps, msg(p, a, fmt.Sprintf("%d · claims · %s", rep.UserInfoStatus, fmtElapsed(rep.UserInfoTime))))
		}
	}
	if rep.Failed == stepUserInfo {
		return layout(rep, append(steps, failNote("userinfo: sub"), errorPage))
	}
	steps = append(steps,
		diagramStep{from: a, label: "✓ new session, new id", class: "note"},
		msg(a, b, "302 to the page asked for · session cookie"))
	return layout(rep, steps)
}

// layout places steps one row each under the lanes' labels.
func layout(rep *auth.Report, steps []diagramStep) diagram {
	d := diagram{Width: diagramWidth, Title: "Sequence diagram of this login"}
	if rep.Failed != "" {
		d.Title = "Sequence diagram of this login, up to where it failed"
	}
	y := diagramTop + rowHeight/2
	for _, s := range steps {
		row := diagramRow{Y: y, X1: s.from, Label: s.label, Class: s.class}
		if s.to == 0 {
			w := min(diagramWidth-40, 16+7*len([]rune(s.label)))
			if s.class != "note" {
				row.Class += " note"
			}
			row.NoteX, row.NoteY, row.NoteW = s.from-w/2, y-12, w
			row.LabelX, row.LabelY = s.from, y+4
		} else {
			row.X2 = s.to
			row.LabelX, row.LabelY = (s.from+s.to)/2, y-6
			dir := 1
			if s.to < s.from {
				dir = -1
			}
			tip := s.to - dir*2
			row.Head = fmt.Sprintf("%d,%d %d,%d %d,%d", tip, y, tip-dir*9, y-5, tip-dir*9, y+5)
		}
		d.Rows = append(d.Rows, row)
		y += rowHeight
	}
	d.Height = y + 4
	for _, l := range []struct {
		x     int
		label string
	}{{laneBrowser, "Browser"}, {laneApp, "App (this server)"}, {laneProvider, "Provider"}} {
		d.Lanes = append(d.Lanes, lane{X: l.x, LabelY: diagramTop - 30, Top: diagramTop - 18, Bottom: y - rowHeight/2, Label: l.label})
	}
	return d
}

// relativeTo shortens an endpoint under the issuer to its path there
// (/v1/token), and leaves others whole.
func relativeTo(endpoint, issuer string) string {
	if rest, ok := strings.CutPrefix(endpoint, issuer); ok && issuer != "" && strings.HasPrefix(rest, "/") {
		return rest
	}
	return endpoint
}

// shortKid keeps a key id short enough for the diagram.
func shortKid(kid string) string {
	if len(kid) > 10 {
		return kid[:8] + "…"
	}
	return orNone(kid)
}
