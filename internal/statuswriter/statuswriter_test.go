package statuswriter

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRecorder(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    int
	}{
		{"nothing written", func(http.ResponseWriter, *http.Request) {}, 0},
		{"a body first", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("x")) }, http.StatusOK},
		{"a status", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) }, http.StatusNotFound},
		{"the first status counts", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusFound)
			w.WriteHeader(http.StatusInternalServerError)
		}, http.StatusFound},
		{"a status after the body", func(w http.ResponseWriter, _ *http.Request) {
			w.Write([]byte("x"))
			w.WriteHeader(http.StatusTeapot)
		}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			under := httptest.NewRecorder()
			rec := &Recorder{ResponseWriter: under}
			tt.handler(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			if rec.Status != tt.want {
				t.Errorf("Status: got %d, want %d", rec.Status, tt.want)
			}
			if rec.Unwrap() != under {
				t.Error("Unwrap does not return the wrapped writer")
			}
		})
	}
}
