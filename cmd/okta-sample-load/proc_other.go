//go:build !linux

package main

import (
	"syscall"
	"time"
)

// childProcAttr has no portable equivalent of Linux's parent-death signal;
// run stops its children on every normal exit path.
func childProcAttr() *syscall.SysProcAttr { return nil }

// processCPU is not available here; the report leaves the CPU line out.
func processCPU(int) (time.Duration, bool) { return 0, false }
