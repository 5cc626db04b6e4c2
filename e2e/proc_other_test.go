//go:build !linux

package e2e

import "os/exec"

// dieWithTest has no portable equivalent of Linux's parent-death signal;
// the tests' cleanups stop the app on every normal exit path.
func dieWithTest(*exec.Cmd) {}
