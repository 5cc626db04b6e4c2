package testproc

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// generous bounds a wait on a process that works; it is never reached.
const generous = 10 * time.Second

func TestStart(t *testing.T) {
	sh := LookPath(t, "sh", "dash")
	tests := []struct {
		name       string
		script     string
		timeout    time.Duration
		wantErr    string // "" means Start succeeds
		wantInUse  bool
		wantOutput string
	}{
		{
			name:       "ready line",
			script:     `echo starting; echo "server is accepting connections" >&2; exec sleep 60`,
			timeout:    generous,
			wantOutput: "starting\nserver is accepting connections\n",
		},
		{
			name:      "port taken",
			script:    `echo "bind: Address already in use"; exit 1`,
			timeout:   generous,
			wantErr:   "exited before it was ready",
			wantInUse: true,
		},
		{
			name:    "other early exit",
			script:  `echo "bad config"; exit 2`,
			timeout: generous,
			wantErr: "bad config",
		},
		{
			// The process never says it is ready, so only the timeout can
			// end the wait; its length does not matter.
			name:    "never ready",
			script:  `echo waiting; exec sleep 60`,
			timeout: 50 * time.Millisecond,
			wantErr: "not ready within",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Start(exec.Command(sh, "-c", tt.script), "accepting connections", tt.timeout)
			if tt.wantErr != "" {
				if err == nil {
					t.Cleanup(func() { p.Stop(generous) })
					t.Fatalf("Start: got no error, want one containing %q", tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Start: got %q, want it to contain %q", err, tt.wantErr)
				}
				if got := errors.Is(err, ErrPortInUse); got != tt.wantInUse {
					t.Errorf("errors.Is(err, ErrPortInUse): got %v, want %v", got, tt.wantInUse)
				}
				return
			}
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			if got := p.Output(); got != tt.wantOutput {
				t.Errorf("Output: got %q, want %q", got, tt.wantOutput)
			}
			if err := p.Stop(generous); err != nil {
				t.Errorf("Stop: %v", err)
			}
			select {
			case <-p.Exited():
			default:
				t.Error("Exited not closed after Stop returned")
			}
		})
	}
}

func TestStartRefusesCapturedCommand(t *testing.T) {
	cmd := exec.Command("true")
	cmd.Stdout = os.Stdout
	if _, err := Start(cmd, "accepting connections", generous); err == nil {
		t.Fatal("Start with Stdout set: got no error, want one")
	}
}

func TestStop(t *testing.T) {
	sh := LookPath(t, "sh", "dash")
	tests := []struct {
		name    string
		script  string
		exited  bool          // wait for the process to exit on its own first
		grace   time.Duration // passed to Stop
		wantErr string        // "" means Stop returns nil
	}{
		{name: "stops on SIGTERM", script: `echo accepting connections; exec sleep 60`, grace: generous},
		{
			// An ignored signal stays ignored across exec, so sleep
			// outlives SIGTERM, however long the grace, and only SIGKILL
			// ends it.
			name:    "ignores SIGTERM",
			script:  `trap "" TERM; echo accepting connections; exec sleep 60`,
			grace:   50 * time.Millisecond,
			wantErr: "ignored SIGTERM",
		},
		{name: "exited cleanly before", script: `echo accepting connections; exit 0`, exited: true, grace: generous},
		{name: "failed before", script: `echo accepting connections; echo boom; exit 3`, exited: true, grace: generous, wantErr: "exit status 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Start(exec.Command(sh, "-c", tt.script), "accepting connections", generous)
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			if tt.exited {
				<-p.Exited()
			}
			err = p.Stop(tt.grace)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Stop: got %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Stop: got %v, want an error containing %q", err, tt.wantErr)
			}
			if err := syscallKill0(p.Pid()); err == nil {
				t.Errorf("process %d still exists after Stop", p.Pid())
			}
		})
	}
}

// syscallKill0 reports whether pid names a process that can be signalled,
// as kill(pid, 0), through os.FindProcess.
func syscallKill0(pid int) error {
	proc, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return proc.Signal(syscall.Signal(0))
}

func TestFreePort(t *testing.T) {
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	if port <= 0 || port > 65535 {
		t.Fatalf("FreePort: got %d, want a TCP port", port)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("binding the port FreePort returned: %v", err)
	}
	ln.Close()
}

// recordingTB stands in for a test, to see whether LookPath fails or skips
// it. The embedded TB provides testing.TB's unexported method.
type recordingTB struct {
	testing.TB
	fatal, skip string
}

func (r *recordingTB) Helper()           {}
func (r *recordingTB) Fatal(args ...any) { r.fatal = fmt.Sprint(args...) }
func (r *recordingTB) Skip(args ...any)  { r.skip = fmt.Sprint(args...) }

func TestLookPathMissing(t *testing.T) {
	tests := []struct {
		name      string
		ci        string
		wantFatal bool
	}{
		{name: "in CI the test fails", ci: "true", wantFatal: true},
		{name: "elsewhere the test is skipped", ci: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			t.Setenv("PATH", t.TempDir())
			r := &recordingTB{TB: t}
			if got := LookPath(r, "redis-server", "redis-server"); got != "" {
				t.Errorf("LookPath: got %q, want \"\"", got)
			}
			msg := r.skip
			if tt.wantFatal {
				msg = r.fatal
			}
			if (r.fatal != "") != tt.wantFatal || (r.skip != "") == tt.wantFatal {
				t.Fatalf("got Fatal %q and Skip %q, want only %s", r.fatal, r.skip, map[bool]string{true: "Fatal", false: "Skip"}[tt.wantFatal])
			}
			if want := "apt-get install redis-server"; !strings.Contains(msg, want) {
				t.Errorf("message %q does not say %q", msg, want)
			}
		})
	}
}
