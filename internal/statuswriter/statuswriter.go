// Package statuswriter records the status code a handler sends, for an
// access log written after the handler returns.
package statuswriter

import "net/http"

// Recorder is an http.ResponseWriter that remembers the first status
// written: the one passed to WriteHeader, or 200 when the handler writes
// the body first. Status is 0 while nothing has been written.
type Recorder struct {
	http.ResponseWriter
	Status int
}

// WriteHeader records code, when it is the first, and passes it on.
func (r *Recorder) WriteHeader(code int) {
	if r.Status == 0 {
		r.Status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

// Write records 200 when nothing was written before, and passes b on.
func (r *Recorder) Write(b []byte) (int, error) {
	if r.Status == 0 {
		r.Status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (r *Recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
