package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// floodRun is -flood: the abuse that once locked every user out. It times
// a genuine login, sends o.flood pairs of "start a login, send its
// callback with a junk code" at o.concurrency, and times a genuine login
// again. Every junk callback must be refused with a 401 (the provider
// refuses the code) and never with a 503 (a lockout), and the login after
// the flood must succeed.
func floodRun(ctx context.Context, o options, dir string, r *storeRun, prov *provider, stdout io.Writer) error {
	app, appURL, err := startStoreApp(ctx, o, dir, r, prov, stdout)
	if err != nil {
		return err
	}
	defer app.stop()
	l := &loader{appURL: appURL}

	before, err := l.login(ctx, prov.users[0])
	if err != nil {
		return app.withLog(fmt.Errorf("the login before the flood: %w", err))
	}
	fmt.Fprintf(stdout, "genuine login: %s, before the flood\n", ms(before))
	heapBefore, err := app.heap(ctx)
	if err != nil {
		return err
	}

	res, statuses, err := l.flood(ctx, prov.issuer, o.flood, o.concurrency)
	if err != nil {
		return app.withLog(fmt.Errorf("flood: %w", err))
	}
	var counts []string
	for _, code := range slices.Sorted(maps.Keys(statuses)) {
		counts = append(counts, fmt.Sprintf("%d ×%d", code, statuses[code]))
	}
	fmt.Fprintf(stdout, "flood:         %d pairs in %.2fs = %.1f pairs/s, p50 %s, p99 %s per pair; junk callbacks answered %s\n",
		res.count(), res.elapsed.Seconds(), res.rate(), ms(res.percentile(50)), ms(res.percentile(99)), strings.Join(counts, ", "))

	after, err := l.login(ctx, prov.users[1])
	if err != nil {
		return app.withLog(fmt.Errorf("the login after the flood: %w", err))
	}
	fmt.Fprintf(stdout, "genuine login: %s, after the flood: signed in\n", ms(after))
	heapAfter, err := app.heap(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "heap:          %s live before the flood, %s after it\n", mb(heapBefore.HeapAlloc), mb(heapAfter.HeapAlloc))
	if r.redis != nil {
		used, err := r.redis.usedMemory(ctx)
		if err != nil {
			return err
		}
		keys, err := r.redis.keys(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "redis:         %d keys, %s used after the flood (each spent state lives 11 minutes at most)\n", keys, mb(used))
	}
	if n := statuses[http.StatusUnauthorized]; n != o.flood {
		return fmt.Errorf("%d of %d junk callbacks were refused with 401; the others got %s", o.flood-n, o.flood, strings.Join(counts, ", "))
	}
	return nil
}

// flood sends n junk pairs, concurrency at a time, each worker on one
// kept-alive connection as a scripted attacker would, and returns their
// latencies and how the callbacks were answered.
func (l *loader) flood(ctx context.Context, issuer string, n, concurrency int) (result, map[int]int, error) {
	var next atomic.Int64
	results := make([]result, concurrency)
	statuses := make([]map[int]int, concurrency)
	errs := make([]error, concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range concurrency {
		statuses[w] = map[int]int{}
		wg.Go(func() {
			tr := &http.Transport{MaxIdleConnsPerHost: 1}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, Timeout: 30 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			for next.Add(1) <= int64(n) && ctx.Err() == nil {
				t0 := time.Now()
				code, err := l.junkPair(ctx, c, issuer)
				if err != nil {
					errs[w] = err
					return
				}
				statuses[w][code]++
				results[w].latencies = append(results[w].latencies, time.Since(t0))
			}
		})
	}
	wg.Wait()
	var total result
	all := map[int]int{}
	for w := range concurrency {
		total.add(results[w])
		for code, k := range statuses[w] {
			all[code] += k
		}
	}
	total.elapsed = time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return total, all, err
	}
	return total, all, ctx.Err()
}

// junkPair starts a login, as a browser would, and sends its callback at
// once with the transaction cookie it got and a code the provider never
// issued. It returns the callback's status.
func (l *loader) junkPair(ctx context.Context, c *http.Client, issuer string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.appURL+loginPath, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	// Drained so the connection is reused; a failure shows in the status.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		return 0, fmt.Errorf("starting a login: got %s to %q, want 302 to the provider", resp.Status, resp.Header.Get("Location"))
	}
	state := loc.Query().Get("state")
	var tx *http.Cookie
	for _, ck := range resp.Cookies() {
		if strings.HasPrefix(ck.Name, "oidc_tx_") {
			tx = ck
		}
	}
	if state == "" || tx == nil {
		return 0, errors.New("starting a login: no state or no transaction cookie")
	}
	q := url.Values{"code": {"junk-" + rand.Text()}, "state": {state}, "iss": {issuer}}
	req, err = http.NewRequestWithContext(ctx, http.MethodGet, l.appURL+callbackPath+"?"+q.Encode(), nil)
	if err != nil {
		return 0, err
	}
	req.AddCookie(&http.Cookie{Name: tx.Name, Value: tx.Value})
	resp, err = c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody)) // as above
	resp.Body.Close()
	return resp.StatusCode, nil
}
