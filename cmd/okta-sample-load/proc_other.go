//go:build !linux

package main

import "syscall"

// childProcAttr has no portable equivalent of Linux's parent-death signal;
// run stops its children on every normal exit path.
func childProcAttr() *syscall.SysProcAttr { return nil }
