package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisServer is a redis-server this command started for -redis, on a
// free loopback port, persisting nothing.
type redisServer struct {
	addr    string
	cmd     *exec.Cmd
	client  *redis.Client
	logPath string
	exited  chan struct{}
}

// startRedis starts redis-server (the Debian package) on a free port of
// 127.0.0.1 and returns once it answers PING.
func startRedis(ctx context.Context, dir string) (*redisServer, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("-redis needs redis-server (apt-get install redis-server): %w", err)
	}
	// Another process may take the free port before redis-server binds
	// it; then try another.
	for attempt := 0; ; attempt++ {
		srv, err := tryRedis(ctx, dir, bin)
		if err == nil || attempt == 4 || !errors.Is(err, errPortTaken) {
			return srv, err
		}
	}
}

var errPortTaken = errors.New("port taken")

func tryRedis(ctx context.Context, dir, bin string) (*redisServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "redis")
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, err
	}
	s := &redisServer{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), logPath: filepath.Join(dir, "redis.log"), exited: make(chan struct{})}
	logFile, err := os.Create(s.logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	s.cmd = exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port),
		"--save", "", "--appendonly", "no", "--dir", data, "--daemonize", "no", "--logfile", "")
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	s.cmd.SysProcAttr = childProcAttr()
	s.cmd.WaitDelay = 10 * time.Second
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting redis-server: %w", err)
	}
	go func() {
		_ = s.cmd.Wait() // stop waits on exited; an exit status after SIGTERM says nothing
		close(s.exited)
	}()
	s.client = redis.NewClient(&redis.Options{Addr: s.addr, MaxRetries: -1, DialTimeout: time.Second})
	deadline := time.Now().Add(15 * time.Second)
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		err := s.client.Ping(pctx).Err()
		cancel()
		if err == nil {
			return s, nil
		}
		select {
		case <-s.exited:
			out, _ := os.ReadFile(s.logPath)
			s.stop()
			if strings.Contains(string(out), "Address already in use") {
				return nil, errPortTaken
			}
			return nil, fmt.Errorf("redis-server exited at start:\n%s", out)
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("redis-server did not answer PING within 15 s: %w", err)
		}
	}
}

// url is the Redis URL the app gets.
func (s *redisServer) url() string { return "redis://" + s.addr + "/0" }

// usedMemory returns INFO memory's used_memory: all that Redis holds.
func (s *redisServer) usedMemory(ctx context.Context) (uint64, error) {
	info, err := s.client.Info(ctx, "memory").Result()
	if err != nil {
		return 0, fmt.Errorf("redis INFO memory: %w", err)
	}
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			return strconv.ParseUint(v, 10, 64)
		}
	}
	return 0, errors.New("redis INFO memory: no used_memory")
}

// keys returns how many keys Redis holds.
func (s *redisServer) keys(ctx context.Context) (int64, error) {
	n, err := s.client.DBSize(ctx).Result()
	if err != nil {
		return 0, fmt.Errorf("redis DBSIZE: %w", err)
	}
	return n, nil
}

// stop stops redis-server (SIGTERM, then SIGKILL after WaitDelay) and
// waits until it has exited.
func (s *redisServer) stop() {
	_ = s.client.Close()                   // at exit; nothing to do if it fails
	_ = s.cmd.Process.Signal(os.Interrupt) // fails only if it has exited already
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill() // it ignored the interrupt
		<-s.exited
	}
}
