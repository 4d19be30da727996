package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// cpuTime is the CPU time (user + system) a process has used so far, read
// two ways: the sum of its threads' schedstat run times (nanoseconds; 0
// when the kernel does not provide them), and utime+stime of
// /proc/<pid>/stat (which also counts threads that exited, in clock ticks
// of 10ms).
func cpuTime(pid int) (sched, stat time.Duration, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("gateway cpu time: %w", err)
	}
	// The command name, in parentheses, may hold spaces: count fields after it.
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("gateway cpu time: short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err := errors.Join(err1, err2); err != nil {
		return 0, 0, fmt.Errorf("gateway cpu time: %w", err)
	}
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	stat = time.Duration(utime+stime) * tick
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue // the thread exited meanwhile
		}
		first, _, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
		if ns, err := strconv.ParseInt(first, 10, 64); err == nil {
			sched += time.Duration(ns)
		}
	}
	return sched, stat, nil
}
