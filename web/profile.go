package web

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/okta-samples/okta-go-sample/auth"
)

// handleProfile shows the signed-in user's claims, each once, with where
// it came from. Without a session it starts a login that returns here.
//
// It is the page a signed-in user loads most, so it does not execute its
// template per request: at start-up, newProfilePage cut the page into the
// parts that are the same for everyone, and a request only escapes the
// user's values into the gaps.
func (s *Server) handleProfile() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok, err := s.sessions.Current(r)
		if err != nil {
			s.fail(w, r, sessionFailure(err, appError{Status: http.StatusInternalServerError, Title: "Could not read the session",
				Message: "Your session could not be read. Log out and sign in again."}))
			return
		}
		if !ok {
			http.Redirect(w, r, pathLogin+"?return_to="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
			return
		}
		buf := s.buffers.get()
		defer s.buffers.put(buf)
		// Room for the claims of a typical user without a heap allocation.
		var room [32]auth.Claim
		claims := u.AppendClaims(room[:0])
		*buf = s.profile.appendPage((*buf)[:0], u.DisplayName(), u.UserInfoNote(), claims, requestID(r.Context()))
		s.writePage(w, http.StatusOK, *buf)
	})
}

// claimSources names where a claim came from, for the Source column.
var claimSources = map[string]string{
	"id_token": "ID token",
	"userinfo": "userinfo",
	"both":     "ID token and userinfo",
	"conflict": "ID token (userinfo differs)",
}

// profileData is what templates/profile.html shows.
type profileData struct {
	Note   string
	Claims []claimRow
}

// claimRow is one row of the claims table.
type claimRow struct{ Name, Value, Source string }

// profilePage is the profile page cut into the parts that are the same
// for everyone, with gaps for one user's values between them.
// html/template made every part from templates/profile.html, so the markup
// has one source, and newProfilePage checks that the parts put together
// are, byte for byte, what the template makes.
type profilePage struct {
	// page is the page around the claim rows, without and with the
	// userinfo note. The gaps are for the user's name, [the note,] the
	// rows and the request id.
	page [2][]string
	// row is one claim row and the text after it. The gaps are for the
	// claim's name (twice), value and source.
	row []string
}

// Slot markers: text that html/template copies unchanged in text and in
// quoted attribute values, and that no template contains. A template
// change that moves a value into another context (a URL, a script) makes
// html/template escape the marker, and newProfilePage fails.
const (
	slotMark   = "\U000F0001"
	slotUser   = "\U000F0001user\U000F0001"
	slotNote   = "\U000F0001note\U000F0001"
	slotRows   = "\U000F0001rows\U000F0001"
	slotReqID  = "\U000F0001request-id\U000F0001"
	slotName   = "\U000F0001claim-name\U000F0001"
	slotValue  = "\U000F0001claim-value\U000F0001"
	slotSource = "\U000F0001claim-source\U000F0001"
)

// profileView is the page the template renders for one user.
func profileView(name, note string, rows []claimRow, reqID string) page {
	return page{Title: "Profile", Nav: "profile", SignedIn: true, UserName: name, RequestID: reqID,
		Data: profileData{Note: note, Claims: rows}}
}

func claimRows(claims []auth.Claim) []claimRow {
	rows := make([]claimRow, len(claims))
	for i, c := range claims {
		rows[i] = claimRow{Name: c.Name, Value: c.Value, Source: claimSources[c.Source]}
	}
	return rows
}

// newProfilePage cuts the profile page out of its template.
func newProfilePage(p *pages) (*profilePage, error) {
	slot := claimRow{Name: slotName, Value: slotValue, Source: slotSource}
	row, err := p.executeTemplate("profile", "claim-row", slot)
	if err != nil {
		return nil, err
	}
	var seps [2]string
	pp := &profilePage{}
	for i, note := range []string{"", slotNote} {
		none, err := p.execute("profile", profileView(slotUser, note, nil, slotReqID))
		if err != nil {
			return nil, err
		}
		two, err := p.execute("profile", profileView(slotUser, note, []claimRow{slot, slot}, slotReqID))
		if err != nil {
			return nil, err
		}
		// none is before+after; two is before+(row+sep)+(row+sep)+after.
		before, _, found := strings.Cut(string(two), string(row))
		after, isPrefix := strings.CutPrefix(string(none), before)
		if !found || !isPrefix || !strings.HasSuffix(string(two), after) {
			return nil, errors.New("web: profile page: cannot find where the claim rows go")
		}
		rows := string(two)[len(before) : len(two)-len(after)]
		unit := rows[:len(rows)/2]
		if len(rows)%2 != 0 || rows != unit+unit || !strings.HasPrefix(unit, string(row)) {
			return nil, errors.New("web: profile page: the claim rows are not one row repeated")
		}
		seps[i] = unit[len(row):]
		slots := []string{slotUser, slotRows, slotReqID}
		if note != "" {
			slots = []string{slotUser, slotNote, slotRows, slotReqID}
		}
		if pp.page[i], err = cutAt(before+slotRows+after, slots...); err != nil {
			return nil, fmt.Errorf("web: profile page: %w", err)
		}
	}
	if seps[0] != seps[1] {
		return nil, errors.New("web: profile page: the claim rows differ with the userinfo note")
	}
	if pp.row, err = cutAt(string(row)+seps[0], slotName, slotName, slotValue, slotSource); err != nil {
		return nil, fmt.Errorf("web: profile page, claim row: %w", err)
	}

	// Values that need escaping everywhere must come out as the template
	// escapes them.
	tricky := "<script>alert('x')</script> & \"q\" +\x00 é \xff"
	for _, note := range []string{"", tricky} {
		claims := []auth.Claim{
			{Name: tricky, Value: tricky, Source: "both"},
			{Name: "sub", Value: "00u1", Source: "unknown source"},
		}
		want, err := p.execute("profile", profileView(tricky, note, claimRows(claims), tricky))
		if err != nil {
			return nil, err
		}
		if got := pp.appendPage(nil, tricky, note, claims, tricky); !bytes.Equal(got, want) {
			return nil, fmt.Errorf("web: profile page: put together from its parts it differs from the template's:\n%s\nwant:\n%s", got, want)
		}
	}
	return pp, nil
}

// cutAt cuts s at each of slots, which must each occur once, in this
// order, and returns the len(slots)+1 parts around them.
func cutAt(s string, slots ...string) ([]string, error) {
	parts := make([]string, 0, len(slots)+1)
	for _, slot := range slots {
		before, after, ok := strings.Cut(s, slot)
		if !ok {
			return nil, fmt.Errorf("slot %q missing or out of order", strings.Trim(slot, slotMark))
		}
		parts = append(parts, before)
		s = after
	}
	parts = append(parts, s)
	for _, p := range parts {
		if strings.Contains(p, slotMark) {
			return nil, errors.New("a value appears more than once")
		}
	}
	return parts, nil
}

// appendPage appends to b the profile page of the user called name.
func (pp *profilePage) appendPage(b []byte, name, note string, claims []auth.Claim, reqID string) []byte {
	parts := pp.page[0]
	if note != "" {
		parts = pp.page[1]
	}
	b = append(b, parts[0]...)
	b = appendHTML(b, name)
	parts = parts[1:]
	if note != "" {
		b = append(b, parts[0]...)
		b = appendHTML(b, note)
		parts = parts[1:]
	}
	b = append(b, parts[0]...)
	for _, c := range claims {
		b = append(b, pp.row[0]...)
		b = appendHTML(b, c.Name)
		b = append(b, pp.row[1]...)
		b = appendHTML(b, c.Name)
		b = append(b, pp.row[2]...)
		b = appendHTML(b, c.Value)
		b = append(b, pp.row[3]...)
		b = appendHTML(b, claimSources[c.Source])
		b = append(b, pp.row[4]...)
	}
	b = append(b, parts[1]...)
	b = appendHTML(b, reqID)
	return append(b, parts[2]...)
}

// appendHTML appends s escaped for HTML text or a quoted attribute value,
// exactly as html/template escapes a string there (its
// htmlReplacementTable): NUL becomes U+FFFD, and " & ' + < > become
// character references. Every byte it replaces is ASCII, so working on
// bytes rather than runes gives the same result, invalid UTF-8 included.
// newProfilePage and FuzzProfilePage check that the two agree.
func appendHTML(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !htmlSpecial[c] {
			continue
		}
		b = append(b, s[last:i]...)
		switch c {
		case 0:
			b = append(b, "\uFFFD"...)
		case '"':
			b = append(b, "&#34;"...)
		case '&':
			b = append(b, "&amp;"...)
		case '\'':
			b = append(b, "&#39;"...)
		case '+':
			b = append(b, "&#43;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		}
		last = i + 1
	}
	return append(b, s[last:]...)
}

// htmlSpecial marks the bytes appendHTML replaces.
var htmlSpecial = [256]bool{0: true, '"': true, '&': true, '\'': true, '+': true, '<': true, '>': true}
