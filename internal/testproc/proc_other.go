//go:build !linux

package testproc

import "os/exec"

// dieWithParent has no portable equivalent of Linux's parent-death signal;
// the tests' cleanups stop the process on every normal exit path.
func dieWithParent(*exec.Cmd) {}
