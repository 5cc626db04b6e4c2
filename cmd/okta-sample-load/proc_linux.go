package main

import "syscall"

// childProcAttr makes the kernel kill a child when this program dies, so
// an interrupted run leaves no app or plain handler behind.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
