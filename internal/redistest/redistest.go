// Package redistest runs a real redis-server (the Debian package) for a
// test, on a free loopback port, with nothing persisted to disk.
//
//	srv := redistest.New(t)
//	cfg := ... srv.URL() ...   // redis://127.0.0.1:PORT/0
//	srv.Stop(t)                // an outage: connections are refused
//	srv.Start(t)               // back on the same port, empty
//
// The server stops when the test ends, on every exit path.
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/internal/testproc"
)

const (
	// readyLine is what redis-server logs once it accepts connections
	// (Redis 7 appends " tcp"; older versions end the line there).
	readyLine = "Ready to accept connections"
	// startTimeout and stopGrace bound waits on a broken redis-server;
	// a working one takes milliseconds.
	startTimeout = 15 * time.Second
	stopGrace    = 10 * time.Second
	// portAttempts is how many free ports New tries, in case another
	// process takes the one it picked before redis-server binds it.
	portAttempts = 5
)

// Server is a redis-server process owned by one test. Its methods are not
// safe for concurrent use.
type Server struct {
	bin  string
	dir  string
	port int
	proc *testproc.Process // nil while stopped
}

// New starts redis-server on a free port of 127.0.0.1 and returns once it
// answers PING. It runs with --save "" and --appendonly no, so nothing
// survives a restart, and with its working directory in t.TempDir().
//
// When redis-server is not installed, New fails the test if CI=true and
// skips it otherwise. The server is stopped when the test and its
// subtests end.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{bin: testproc.LookPath(t, "redis-server", "redis-server"), dir: t.TempDir()}
	t.Cleanup(func() {
		if s.proc == nil {
			return
		}
		if err := s.stop(); err != nil {
			t.Errorf("redistest: %v", err)
		}
	})
	var err error
	for range portAttempts {
		if s.port, err = testproc.FreePort(); err != nil {
			break
		}
		if err = s.start(); !errors.Is(err, testproc.ErrPortInUse) {
			break
		}
	}
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return s
}

// URL returns the address of database 0 as a Redis URL,
// redis://127.0.0.1:PORT/0. It stays the same across Stop and Start.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Addr returns the server's host:port, 127.0.0.1:PORT.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Stop shuts the server down (SIGTERM) and waits until it has exited, so
// that every new connection is refused: an outage. It fails the test if
// the server is not running or did not stop cleanly.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if s.proc == nil {
		t.Fatal("redistest: Stop: the server is not running")
		return
	}
	if err := s.stop(); err != nil {
		t.Fatalf("redistest: %v", err)
	}
}

// Start starts a stopped server again, on the same port and so at the
// same URL, and returns once it answers PING. The data is gone: nothing
// was persisted. It fails the test if the server is running, or if
// another process took the port while it was stopped.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	if s.proc != nil {
		t.Fatal("redistest: Start: the server is already running")
		return
	}
	if err := s.start(); err != nil {
		t.Fatalf("redistest: restarting on port %d: %v", s.port, err)
	}
}

// Output returns what redis-server has logged since it last started.
func (s *Server) Output() string {
	if s.proc == nil {
		return ""
	}
	return s.proc.Output()
}

func (s *Server) start() error {
	cmd := exec.Command(s.bin,
		"--bind", "127.0.0.1",
		"--port", strconv.Itoa(s.port),
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--daemonize", "no",
		"--logfile", "", // log to standard output, where testproc reads it
	)
	proc, err := testproc.Start(cmd, readyLine, startTimeout)
	if err != nil {
		return err
	}
	if err := ping(s.Addr()); err != nil {
		if serr := proc.Stop(stopGrace); serr != nil {
			err = errors.Join(err, serr)
		}
		return fmt.Errorf("redis-server logged %q but %w; output:\n%s", readyLine, err, proc.Output())
	}
	s.proc = proc
	return nil
}

func (s *Server) stop() error {
	proc := s.proc
	s.proc = nil
	return proc.Stop(stopGrace)
}

// ping sends one PING in the Redis protocol (RESP) and expects +PONG.
func ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return fmt.Errorf("PING: %w", err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return fmt.Errorf("PING: %w", err)
	}
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return fmt.Errorf("PING: %w", err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Errorf("PING: %w", err)
	}
	if got := strings.TrimRight(line, "\r\n"); got != "+PONG" {
		return fmt.Errorf("PING: got %q, want +PONG", got)
	}
	return nil
}
