package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/internal/testproc"
)

func TestMain(m *testing.M) {
	// The plain handler is this test binary again, as it is the command
	// again when run for real.
	if os.Getenv(roleEnv) == rolePlain {
		if err := servePlain(os.Getenv(pageEnv), os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(runTests(m))
}

// builtApp builds the app with buildApp, the command's own default, once
// for all the tests that need it: linking it is most of a test's time.
// TestMain sets it up and removes the binary after the tests.
var builtApp func() (string, error)

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "okta-sample-load-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	builtApp = sync.OnceValues(func() (string, error) { return buildApp(context.Background(), dir) })
	return m.Run()
}

// appForTest returns the app binary that builtApp built.
func appForTest(t *testing.T) string {
	t.Helper()
	bin, err := builtApp()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// TestLoadSmall runs the whole command with small numbers and checks that
// its report has every figure, each plausible.
//
// The tests share nothing but the built binary: each starts its own
// provider, apps, plain handler and redis-server on free ports, so they
// run in parallel. They check that each figure is there and plausible,
// never how fast anything was, so sharing the machine cannot fail them.
func TestLoadSmall(t *testing.T) {
	t.Parallel()
	const users = 20
	// -d 200ms: two slices of 100 ms per target, each with many pages;
	// the report's form is the point here, not the numbers' precision.
	report := runLoad(t, "-app", appForTest(t), "-users", strconv.Itoa(users), "-c", "2", "-d", "200ms")

	num := `([0-9.]+)`
	find := func(re string) []float64 {
		t.Helper()
		m := regexp.MustCompile(re).FindStringSubmatch(report)
		if m == nil {
			t.Fatalf("no line matching %s in the report", re)
		}
		var fs []float64
		for _, s := range m[1:] {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("%q in %q: %v", s, m[0], err)
			}
			fs = append(fs, f)
		}
		return fs
	}
	run := func(name, unit string) (count, rate, p50, p99 float64) {
		t.Helper()
		f := find(`(?m)^` + name + `:\s+` + num + ` in ` + num + `s = ` + num + ` ` + unit + `, p50 ` + num + ` ms, p99 ` + num + ` ms`)
		count, secs, rate, p50, p99 := f[0], f[1], f[2], f[3], f[4]
		if count < 1 || secs <= 0 || rate <= 0 || p50 <= 0 || p99 < p50 {
			t.Errorf("%s: got %v in %vs = %v/s, p50 %v, p99 %v; want positive counts and p50 <= p99", name, count, secs, rate, p50, p99)
		}
		return count, rate, p50, p99
	}
	if count, _, _, _ := run("logins", "logins/s"); count != users {
		t.Errorf("logins: got %v, want %d", count, users)
	}
	_, pageRate, _, _ := run("profile page", "pages/s")
	_, plainRate, _, _ := run("plain handler", "pages/s")
	ratio := find(`(?m)^ratio:\s+` + num)[0]
	if want := pageRate / plainRate; ratio < want-0.01 || ratio > want+0.01 {
		t.Errorf("ratio: got %v, want pages/s over plain pages/s, %.2f", ratio, want)
	}
	heap := find(`(?m)^heap:\s+` + num + ` MB live after 1 session, ` + num + ` MB after ` + num + `: (-?[0-9.]+) bytes per signed-in session`)
	if heap[2] != users+1 {
		t.Errorf("sessions after the logins: got %v, want %d", heap[2], users+1)
	}
	// Loose bounds: 20 sessions are few for the heap's noise. A session
	// of zero bytes or of 64 KB would mean the measurement is broken.
	if per := heap[3]; per < 300 || per > 64<<10 {
		t.Errorf("heap per session: got %v bytes, want between 300 B and 64 KB", per)
	}
}

func TestLoadRejectsBadFlags(t *testing.T) {
	t.Parallel()
	tests := [][]string{
		{"-users", "0"},
		{"-users", "100000"},
		{"-c", "0"},
		{"-c", "1000"},
		{"-d", "1h"},
		{"-d", "1ms"},
		{"extra"},
		{"-no-such-flag"},
		{"-flood", "-1"},
		{"-flood", "2000000"},
		{"-flood", "10", "-cpuprofile", "cpu.out"},
	}
	for _, args := range tests {
		t.Run(fmt.Sprint(args), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if err := run(context.Background(), args, &out, &errOut); !errors.Is(err, errUsage) {
				t.Errorf("got %v, want a usage error", err)
			}
			if errOut.Len() == 0 {
				t.Error("nothing said on stderr")
			}
		})
	}
}

// TestLoadRedisFlood runs -flood with tiny numbers against the memory
// store and then against Redis: every junk callback is refused with a
// 401, and a genuine login after the flood signs in.
func TestLoadRedisFlood(t *testing.T) {
	t.Parallel()
	testproc.LookPath(t, "redis-server", "redis-server")
	const pairs = 60
	report := runLoad(t, "-app", appForTest(t), "-redis", "-flood", strconv.Itoa(pairs), "-c", "3")
	for _, store := range []string{"memory", "redis"} {
		section := sectionOf(t, report, store)
		for _, want := range []string{
			fmt.Sprintf("flood:         %d pairs in ", pairs),
			fmt.Sprintf("junk callbacks answered 401 ×%d\n", pairs),
			"genuine login: ",
			", after the flood: signed in",
		} {
			if !strings.Contains(section, want) {
				t.Errorf("%s: no %q in:\n%s", store, want, section)
			}
		}
	}
	// Redis holds the spent states of the flood's callbacks, each with a
	// TTL, and the two genuine sessions with their indexes.
	m := regexp.MustCompile(`(?m)^redis:\s+(\d+) keys`).FindStringSubmatch(sectionOf(t, report, "redis"))
	if m == nil {
		t.Fatal("no redis line in the redis section")
	}
	if keys, _ := strconv.Atoi(m[1]); keys < pairs || keys > pairs+10 {
		t.Errorf("keys in Redis after the flood: got %s, want %d spent states and a few more", m[1], pairs)
	}
}

// TestLoadRedisPages measures both stores in one run with small numbers
// and checks the comparison at the end.
func TestLoadRedisPages(t *testing.T) {
	t.Parallel()
	testproc.LookPath(t, "redis-server", "redis-server")
	const users = 10
	report := runLoad(t, "-app", appForTest(t), "-redis", "-users", strconv.Itoa(users), "-c", "2", "-d", "200ms")
	for _, store := range []string{"memory", "redis"} {
		section := sectionOf(t, report, store)
		if !regexp.MustCompile(`(?m)^logins:\s+` + strconv.Itoa(users) + ` in `).MatchString(section) {
			t.Errorf("%s: no line for %d logins in:\n%s", store, users, section)
		}
		if !regexp.MustCompile(`(?m)^profile page:\s+\d+ in `).MatchString(section) {
			t.Errorf("%s: no profile page line in:\n%s", store, section)
		}
		row := regexp.MustCompile(`(?m)^` + store + `\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)$`).FindStringSubmatch(report)
		if row == nil {
			t.Errorf("no %s row in the comparison:\n%s", store, report)
			continue
		}
		for _, v := range row[1:] {
			if f, err := strconv.ParseFloat(v, 64); err != nil || f <= 0 {
				t.Errorf("%s row: got %q, want positive figures", store, row[0])
			}
		}
	}
	if !regexp.MustCompile(`(?m)^redis memory:\s+[0-9.]+ MB used after 1 session, [0-9.]+ MB after ` + strconv.Itoa(users+1) + `: -?\d+ bytes per signed-in session`).MatchString(report) {
		t.Errorf("no Redis memory line:\n%s", report)
	}
}

// runLoad runs the command with args and returns its report.
func runLoad(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	if err := run(ctx, args, &out, &errOut); err != nil {
		t.Fatalf("run: %v\nstdout:\n%s\nstderr:\n%s", err, &out, &errOut)
	}
	t.Logf("report:\n%s", &out)
	return out.String()
}

// sectionOf returns the part of report about the sessions in store.
func sectionOf(t *testing.T, report, store string) string {
	t.Helper()
	_, rest, ok := strings.Cut(report, "== sessions in "+store+" ==\n")
	if !ok {
		t.Fatalf("no section for %s in the report:\n%s", store, report)
	}
	section, _, _ := strings.Cut(rest, "\n== ")
	section, _, _ = strings.Cut(section, "\nsame run, same machine:")
	return section
}
