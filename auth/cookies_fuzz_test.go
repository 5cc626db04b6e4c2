package auth_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/okta-samples/okta-go-sample/auth"
)

// A transaction cookie sealed with testKey(1) at testNow(), and a second
// one, kept as constants so the committed corpus stays valid: the fuzzer
// starts from genuine cookies and mutates them.
const (
	genuineState  = "8r6GQNaogcRo7hj7XcEJsq8EJq3FhLWbSAsaj4rgxhc"
	genuineValue  = "P8iN_ula5ULazeLyPfqBIqyvIoDI5T9ZQ4ZrvP2Iykrqo6z9BGyBPgrhPfRvjuH-STDk3PNlj7AxCOi0Q-7Slw7TyI4U0dVqXig7mY_lknxZ_QuOtYLPeX2Do74hoDiqOWNbzSrLIWtUYPGtYlXunPMKwDO1mH1UqYJSGN0Ok3nnea5qj0T0_l5ZD7z692qWbBHxbFuj-u9zSN1MoQbWk4Y3VxLRUH4FTDKtoorbtVs1BtTpzMcchujbng17y1RB4CDzAH5r9iZNSYH7LvF8AgrgCmm5p5TS-uWLd-x6"
	genuineState2 = "IHCkQdPf_RO9YAzTDdNZQLt55kfyAOLTAFh0TKfHOsQ"
	genuineValue2 = "r9Ny3nvD1ecCZZvUyf3XeL19dCkmLRFa9vk9MabYVOpdVVsSx79mNOtb2FThE_VwgSd2ZmSUg1HBsREOie48SuQBRP_5x3Q__VyKobu0EhLu1zJlJ9rBO0j4vRpH0XLz4VwHvMOEfh5BkUmUWuWhOq_3oKuTpcF_3AaRMANOWI3-03IbX3QxF1SCCV8lXou8__by3T_WurQ70tr1zgwui_X_q6BSknaKinAWFW__rOSvxnTtyPvf-NPehY5jkpcLgfSFT2yGnw2R1erZ8HWQTcL27Ko1CWRTdXct_0Bd"
)

// takeWithHeader runs the first step of Finish for state with a raw
// Cookie header.
func takeWithHeader(tc *auth.RelyingParty, cookieHeader, state string) (*auth.Transaction, *httptest.ResponseRecorder, error) {
	r := httptest.NewRequest(http.MethodGet, testCallbackPath, nil)
	r.Header.Set("Cookie", cookieHeader)
	rec := httptest.NewRecorder()
	tx, err := tc.TakeTransaction(rec, r, state)
	return tx, rec, err
}

// FuzzTransactionCookie feeds the first step of Finish (the transaction
// cookie, the state and age checks, the spent states) any Cookie header
// and state. Nothing
// may panic, and nothing may open except a genuine cookie under its own
// name for its own state, once. (Base64 that decodes to the same sealed
// bytes, such as a different final character with the same significant
// bits, is the same cookie, not a forgery.)
func FuzzTransactionCookie(f *testing.F) {
	// The genuine transactions, by state, as a fresh server opens them.
	genuine := map[string]auth.Transaction{}
	for _, g := range []struct{ state, value string }{{genuineState, genuineValue}, {genuineState2, genuineValue2}} {
		tx, _, err := takeWithHeader(newCookies(f, testKey(1), testNow), "oidc_tx_"+g.state+"="+g.value, g.state)
		if err != nil {
			f.Fatalf("the genuine cookie for %s does not open: %v", g.state, err)
		}
		genuine[g.state] = *tx
	}
	// A cookie of the same shape sealed with another key.
	otherTx, otherCookie := saved(f, newCookies(f, testKey(2), testNow), testNow())

	f.Add("oidc_tx_"+genuineState+"="+genuineValue, genuineState)
	f.Add("oidc_tx_"+genuineState+"="+genuineValue+"; oidc_tx_"+genuineState2+"="+genuineValue2, genuineState2)
	f.Add("oidc_tx_"+genuineState2+"="+genuineValue, genuineState2) // moved to another name
	f.Add("oidc_tx_"+genuineState+"="+genuineValue[:40], genuineState)
	f.Add(otherCookie.Name+"="+otherCookie.Value, otherTx.State)
	f.Add("", "")

	f.Fuzz(func(t *testing.T, cookieHeader, state string) {
		tc := newCookies(t, testKey(1), testNow)
		tx, rec, err := takeWithHeader(tc, cookieHeader, state)
		for _, c := range rec.Result().Cookies() {
			if c.Name != "oidc_tx_"+state || c.Value != "" || c.MaxAge >= 0 {
				t.Fatalf("set cookie %q=%q max-age %d; want only the deletion of oidc_tx_%s", c.Name, c.Value, c.MaxAge, state)
			}
		}
		if err != nil {
			if !errors.Is(err, auth.ErrUnknownTransaction) || tx != nil {
				t.Fatalf("got %+v, %v; want nil and ErrUnknownTransaction", tx, err)
			}
			return
		}
		want, ok := genuine[state]
		if !ok || *tx != want {
			t.Fatalf("a forged cookie opened: state %q, got %+v", state, tx)
		}
		if _, _, err := takeWithHeader(tc, cookieHeader, state); !errors.Is(err, auth.ErrUnknownTransaction) {
			t.Fatalf("replay of state %q: got %v, want ErrUnknownTransaction", state, err)
		}
	})
}
