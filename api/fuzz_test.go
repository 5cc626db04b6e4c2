package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/okta-samples/okta-go-sample/api"
	"github.com/okta-samples/okta-go-sample/internal/testprovider"
)

// FuzzAuthorizationHeader sends any Authorization value. Whatever it is,
// the API answers a 200 with messages or a 400, 401 or 403 with the
// challenge and a JSON error; never a 5xx or a panic, and never the value
// itself in the answer.
func FuzzAuthorizationHeader(f *testing.F) {
	fx := newFixture(f, nil, nil)
	good := fx.token(f, nil, testprovider.SignPublished, nil)
	for _, seed := range []string{
		"", "Bearer", "Bearer ", "bearer " + good, "Bearer " + good, "Bearer  " + good, "Basic YTpi",
		"Bearer " + good + "x", "Bearer " + good[:len(good)/2], "Bearer a.b.c", "Bearer ....", "Bearer ===",
		"Bearer " + fx.token(f, nil, testprovider.SignNone, nil), "Bearer " + fx.token(f, nil, testprovider.SignHS256PublicKey, nil),
		"Bearer eyJhbGciOiJub25lIn0.e30.", "Bearer \x00", "Bearer \xff\xfe", "Bearer\t" + good, "DPoP " + good,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		r := httptest.NewRequest(http.MethodGet, api.MessagesPath, nil)
		if value != "" {
			r.Header["Authorization"] = []string{value}
		}
		w := httptest.NewRecorder()
		fx.api.ServeHTTP(w, r)
		switch w.Code {
		case http.StatusOK:
			var m struct {
				Messages []json.RawMessage `json:"messages"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil || len(m.Messages) == 0 {
				t.Fatalf("200 without messages: %q", w.Body)
			}
			return
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
		default:
			t.Fatalf("got status %d for %q", w.Code, value)
		}
		if ch := w.Header().Get("WWW-Authenticate"); !strings.HasPrefix(ch, `Bearer realm="api"`) {
			t.Errorf("got WWW-Authenticate %q", ch)
		}
		var e struct {
			Error string `json:"error"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" {
			t.Errorf("body %q is not a JSON error: %v", w.Body, err)
		}
		// Only a long word can be told from the answer's own words (the
		// longest is temporarily_unavailable, 23 characters).
		if _, tok, _ := strings.Cut(value, " "); len(tok) >= 24 && !strings.ContainsAny(tok, " \"") &&
			(strings.Contains(w.Body.String(), tok) || strings.Contains(w.Header().Get("WWW-Authenticate"), tok)) {
			t.Errorf("the answer repeats the token %q", tok)
		}
	})
}
