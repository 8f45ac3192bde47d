//go:build unix

package ingest

import (
	"syscall"
	"time"
)

// procCPU returns the CPU time the process has used (user and system, all
// threads): benchmarks report it per row or event beside the wall time,
// which a shared machine makes noisy (ProcCPU for the external ones).
func procCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
