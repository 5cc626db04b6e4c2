package e2e

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// TestBrowserContextIsolation: the tests share one browser, so this shows
// that they share nothing else. A cookie and a localStorage item that one
// test sets reach its second tab but not the next test, and the first
// test's BrowserContext is gone once the test has ended.
func TestBrowserContextIsolation(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/set" {
			http.SetCookie(w, &http.Cookie{Name: "probe", Value: "1", Path: "/"})
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if _, err := w.Write([]byte("<!doctype html><title>probe</title><link rel=icon href=data:,>")); err != nil {
			t.Errorf("writing the page: %v", err)
		}
	}))
	defer srv.Close()

	// seen is what a tab finds on the server's origin.
	seen := func(tb *tab) (cookie, item string) {
		tb.do("open the page", chromedp.Navigate(srv.URL+"/"))
		return eval[string](tb, `document.cookie`), eval[string](tb, `String(localStorage.getItem('probe'))`)
	}

	var first cdp.BrowserContextID
	t.Run("first test", func(t *testing.T) {
		tb := openBrowser(t, nil, "tab A")
		tb.do("set the cookie", chromedp.Navigate(srv.URL+"/set"))
		eval[any](tb, `localStorage.setItem('probe', '1')`)
		first = chromedp.FromContext(tb.ctx).BrowserContextID

		tests := []struct {
			name         string
			tab          *tab
			cookie, item string
		}{
			{name: "same tab", tab: tb, cookie: "probe=1", item: "1"},
			{name: "second tab of the test", tab: tb.newTab("tab B"), cookie: "probe=1", item: "1"},
		}
		for _, tt := range tests {
			cookie, item := seen(tt.tab)
			if cookie != tt.cookie || item != tt.item {
				t.Errorf("%s: got cookie %q and item %q, want %q and %q", tt.name, cookie, item, tt.cookie, tt.item)
			}
		}
	})
	if first == "" {
		t.Fatal("the first test ran in no BrowserContext of its own")
	}

	t.Run("next test", func(t *testing.T) {
		tb := openBrowser(t, nil, "tab")
		if got := chromedp.FromContext(tb.ctx).BrowserContextID; got == first || got == "" {
			t.Errorf("BrowserContext %q, want a new one, not the first test's %q", got, first)
		}
		if cookie, item := seen(tb); cookie != "" || item != "null" {
			t.Errorf("got cookie %q and item %q from the first test, want none", cookie, item)
		}
	})

	res, err := chromedp.CallBrowser(chromium.get(t), target.GetBrowserContexts, cdp.Empty{})
	if err != nil {
		t.Fatalf("listing the BrowserContexts: %v", err)
	}
	if slices.Contains(res.BrowserContextIDs, first) {
		t.Errorf("the first test's BrowserContext %s is still open after the test", first)
	}
}
