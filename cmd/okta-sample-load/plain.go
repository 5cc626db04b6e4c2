package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"
)

// The plain handler's process is this program again, told so by roleEnv.
const (
	roleEnv   = "OKTA_SAMPLE_LOAD_ROLE"
	rolePlain = "plain"
	pageEnv   = "OKTA_SAMPLE_LOAD_PAGE"
)

// capturedPage is one response of the app, as the plain handler replays it.
type capturedPage struct {
	Header http.Header `json:"header"`
	Body   []byte      `json:"body"`
}

// servePlain serves the page in the file pagePath to every request, from
// memory, with a plain net/http handler and the app's server timeouts. It
// writes its URL as the first line of out and serves until in ends (its
// parent closed the pipe, or died).
func servePlain(pagePath string, in io.Reader, out io.Writer) error {
	raw, err := os.ReadFile(pagePath)
	if err != nil {
		return err
	}
	var pg capturedPage
	if err := json.Unmarshal(raw, &pg); err != nil {
		return fmt.Errorf("reading the page: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	// The same timeouts as the app's server (cmd/okta-sample newHTTPServer),
	// which cost a deadline per request on both sides.
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			for k, v := range pg.Header {
				h[k] = v
			}
			_, _ = w.Write(pg.Body) // the client hanging up is its business
		}),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if _, err := fmt.Fprintf(out, "http://%s\n", ln.Addr()); err != nil {
		srv.Close()
		return err
	}
	_, _ = io.Copy(io.Discard, in) // returns when the parent is gone; either way, stop
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// plainServer is the plain handler's process.
type plainServer struct {
	URL   string
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// startPlain starts this program again as the plain handler of pg.
func startPlain(ctx context.Context, dir string, pg capturedPage) (*plainServer, error) {
	raw, err := json.Marshal(pg)
	if err != nil {
		return nil, err
	}
	pagePath := dir + "/page.json"
	if err := os.WriteFile(pagePath, raw, 0o600); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding this program to start the plain handler: %w", err)
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), roleEnv+"="+rolePlain, pageEnv+"="+pagePath)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = childProcAttr()
	cmd.WaitDelay = 10 * time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the plain handler: %w", err)
	}
	ps := &plainServer{cmd: cmd, stdin: stdin}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		ps.stop()
		return nil, fmt.Errorf("the plain handler did not start: %w", err)
	}
	ps.URL = strings.TrimSpace(line)
	return ps, nil
}

// stop closes the plain handler's stdin, which ends it, and waits.
func (p *plainServer) stop() error {
	p.stdin.Close()
	return p.cmd.Wait()
}
