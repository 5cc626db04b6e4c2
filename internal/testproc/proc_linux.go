package testproc

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel send SIGTERM to cmd's process when the
// thread that started it dies, so an interrupted test binary (a panic, a
// timeout, ^C) leaves no server behind. SIGTERM rather than SIGKILL lets
// nginx's master stop its workers on the way out.
func dieWithParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGTERM
}
