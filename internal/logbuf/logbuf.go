// Package logbuf is a buffer that tests hand to loggers and processes
// writing from many goroutines, and then read to check what was logged
// (and that no secret was), or wait on until something is.
package logbuf

import (
	"bytes"
	"context"
	"sync"
)

// Buffer is a bytes.Buffer safe for concurrent use. The zero value is
// ready to use.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	// written is closed, and forgotten, at the next Write: WaitFor's
	// wake-up. It is nil while nobody waits.
	written chan struct{}
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.written != nil {
		close(b.written)
		b.written = nil
	}
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Reset forgets everything written so far.
func (b *Buffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

// WaitFor returns everything written so far as soon as done reports true
// for it. It checks now and after every Write, so a test waits exactly as
// long as the writer takes, instead of polling with time.Sleep. If ctx
// ends first, WaitFor returns what was written and ctx's error.
//
// For example, to wait for a server's banner with a generous bound:
//
//	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
//	defer cancel()
//	out, err := stdout.WaitFor(ctx, bannerRE.MatchString)
func (b *Buffer) WaitFor(ctx context.Context, done func(written string) bool) (string, error) {
	for {
		b.mu.Lock()
		s := b.buf.String()
		if b.written == nil {
			b.written = make(chan struct{})
		}
		next := b.written
		b.mu.Unlock()
		// next was taken with s: a Write after s closes it, so no Write
		// goes unnoticed while done runs.
		if done(s) {
			return s, nil
		}
		select {
		case <-next:
		case <-ctx.Done():
			return s, ctx.Err()
		}
	}
}
