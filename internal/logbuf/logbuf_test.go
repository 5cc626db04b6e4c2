package logbuf

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// bounded is a context for a WaitFor that must succeed: a broken WaitFor
// fails with context.DeadlineExceeded instead of hanging the test run.
func bounded(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestWaitFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		before string // written before WaitFor
		lines  int    // written by another goroutine while WaitFor waits
		want   int    // WaitFor waits for this many "line" in the buffer
	}{
		{name: "already there", before: "line\nline\n", want: 2},
		{name: "written later", lines: 5, want: 5},
		{name: "part before, part later", before: "line\n", lines: 3, want: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b Buffer
			b.Write([]byte(tt.before))
			var wg sync.WaitGroup
			wg.Go(func() {
				for range tt.lines {
					fmt.Fprintln(&b, "line")
				}
			})
			defer wg.Wait()
			got, err := b.WaitFor(bounded(t), func(s string) bool { return strings.Count(s, "line") >= tt.want })
			if err != nil {
				t.Fatalf("WaitFor: %v", err)
			}
			if n := strings.Count(got, "line"); n < tt.want {
				t.Errorf("WaitFor returned %d lines, want at least %d", n, tt.want)
			}
		})
	}
}

// TestWaitForContext checks that WaitFor gives up when its context ends,
// with what was written so far.
func TestWaitForContext(t *testing.T) {
	t.Parallel()
	var b Buffer
	b.Write([]byte("not yet"))
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	var got string
	var err error
	wg.Go(func() {
		got, err = b.WaitFor(ctx, func(s string) bool { return strings.Contains(s, "never") })
	})
	cancel()
	wg.Wait()
	if !errors.Is(err, context.Canceled) {
		t.Errorf("WaitFor: got error %v, want context.Canceled", err)
	}
	if got != "not yet" {
		t.Errorf("WaitFor: got %q, want what was written, %q", got, "not yet")
	}
}

// TestWaitForManyWaiters checks that one Write wakes every waiter.
func TestWaitForManyWaiters(t *testing.T) {
	t.Parallel()
	var b Buffer
	ctx := bounded(t)
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Go(func() {
			_, err := b.WaitFor(ctx, func(s string) bool { return strings.Contains(s, "go") })
			errs <- err
		})
	}
	b.Write([]byte("go"))
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("WaitFor: %v", err)
		}
	}
}
