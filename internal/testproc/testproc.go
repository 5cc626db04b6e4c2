// Package testproc runs a server program, such as redis-server or nginx,
// as a child process of a test: on a free loopback port, ready when its
// log says so, killed with the test binary if that dies, and stopped
// cleanly otherwise.
//
// It is the common part of internal/redistest and internal/nginxtest.
package testproc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/internal/logbuf"
)

// ErrPortInUse is returned by Start when the program exited because its
// port was taken: another process bound it between FreePort and the
// program's own bind. Callers pick another port and try again.
var ErrPortInUse = errors.New("testproc: port already in use")

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
// It binds 127.0.0.1:0, reads the port the kernel chose, and closes the
// listener, for programs that must be told a port and cannot be handed a
// listener. Another process may take the port before the program binds
// it; Start reports that as ErrPortInUse.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("testproc: finding a free port: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		return 0, fmt.Errorf("testproc: finding a free port: %w", err)
	}
	return port, nil
}

// LookPath returns the absolute path of the program name, as
// exec.LookPath. When it is missing, the test fails if the environment
// variable CI is "true", because CI must run every test, and is skipped
// otherwise, so that a developer without the Debian package debPackage
// can still run the rest. Both messages say how to install it.
func LookPath(t testing.TB, name, debPackage string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	msg := fmt.Sprintf("%s not found (%v); install it with: apt-get install %s", name, err, debPackage)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	} else {
		t.Skip(msg)
	}
	return ""
}

// Process is a running child process. Its standard output and standard
// error are kept together, for error messages and for tests to read.
type Process struct {
	cmd    *exec.Cmd
	out    logbuf.Buffer
	exited chan struct{} // closed once the process has exited
	err    error         // cmd.Wait's result, valid once exited is closed
}

// Start starts cmd and returns once a line of its output contains ready.
// If the process exits first, Start returns an error with its output,
// which wraps ErrPortInUse when the output says "Address already in use".
// If neither happens within timeout, Start kills the process and returns
// an error; the timeout is a bound on a broken program, not a measure.
//
// cmd must not have Stdout or Stderr set. On Linux the process gets
// SIGTERM when the thread that started it dies, so an interrupted test
// binary leaves no server behind, and a server that has children of its
// own (nginx's workers) stops them too.
func Start(cmd *exec.Cmd, ready string, timeout time.Duration) (*Process, error) {
	if cmd.Stdout != nil || cmd.Stderr != nil {
		return nil, errors.New("testproc: Start: cmd.Stdout and cmd.Stderr must be nil")
	}
	dieWithParent(cmd)
	if cmd.WaitDelay == 0 {
		// Children that outlive the process and keep its output open must
		// not keep Wait from returning.
		cmd.WaitDelay = 5 * time.Second
	}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	p := &Process{cmd: cmd, exited: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("testproc: starting %s: %w", cmd.Path, err)
	}

	readyc := make(chan struct{})
	outputDone := make(chan struct{})
	go func() {
		defer close(outputDone)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 0, 4096), 1<<20)
		seen := false
		for sc.Scan() {
			line := sc.Text()
			p.out.Write([]byte(line + "\n"))
			if !seen && strings.Contains(line, ready) {
				seen = true
				close(readyc)
			}
		}
		// Keep draining after a scanner error (a line over 1 MiB), so the
		// process never blocks on a full pipe.
		if _, err := io.Copy(&p.out, pr); err != nil {
			p.out.Write([]byte("testproc: reading output: " + err.Error() + "\n"))
		}
	}()
	go func() {
		p.err = cmd.Wait()
		// Wait has copied all the output (or given up after WaitDelay), so
		// closing the writer ends the reader's loop. Closing an io.Pipe
		// writer never fails.
		pw.Close()
		// Exited means the output is complete too: Output is then final,
		// and a ready line, if any, has been seen.
		<-outputDone
		close(p.exited)
	}()

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-readyc:
		return p, nil
	case <-p.exited:
		select {
		case <-readyc: // ready, then exited at once: Stop reports how
			return p, nil
		default:
		}
		out := p.Output()
		err := fmt.Errorf("testproc: %s exited before it was ready (%v); output:\n%s", cmd.Path, p.err, out)
		if strings.Contains(out, "Address already in use") {
			err = fmt.Errorf("%w: %w", ErrPortInUse, err)
		}
		return nil, err
	case <-timer.C:
		if kerr := p.kill(); kerr != nil {
			return nil, fmt.Errorf("testproc: %s not ready within %s, and killing it failed: %w; output:\n%s", cmd.Path, timeout, kerr, p.Output())
		}
		return nil, fmt.Errorf("testproc: %s not ready within %s; output:\n%s", cmd.Path, timeout, p.Output())
	}
}

// Output returns everything the process has written so far.
func (p *Process) Output() string { return p.out.String() }

// Pid returns the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Exited returns a channel that is closed once the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Stop sends SIGTERM and waits for the process to exit. If it is still
// running after grace, Stop kills it and says so. Stopping a process that
// has already exited returns how it exited, if it did not stop cleanly.
func (p *Process) Stop(grace time.Duration) error {
	select {
	case <-p.exited:
		return p.exitError()
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("testproc: stopping %s: %w", p.cmd.Path, err)
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.exited:
		return p.exitError()
	case <-timer.C:
		if err := p.kill(); err != nil {
			return err
		}
		return fmt.Errorf("testproc: %s ignored SIGTERM for %s and was killed; output:\n%s", p.cmd.Path, grace, p.Output())
	}
}

// exitError is nil when the process exited with status 0 or because of
// the SIGTERM that Stop sent, and otherwise describes how it ended.
func (p *Process) exitError() error {
	var ee *exec.ExitError
	if p.err == nil {
		return nil
	}
	if errors.As(p.err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM {
			return nil
		}
	}
	return fmt.Errorf("testproc: %s: %w; output:\n%s", p.cmd.Path, p.err, p.Output())
}

// kill sends SIGKILL and waits for the exit.
func (p *Process) kill() error {
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("testproc: killing %s: %w", p.cmd.Path, err)
	}
	<-p.exited
	return nil
}
