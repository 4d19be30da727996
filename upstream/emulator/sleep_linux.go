package emulator

import (
	"errors"
	"syscall"
	"time"
)

// sleepPrecisely sleeps for d in the kernel, which wakes the thread to within
// tens of microseconds, instead of on a Go timer (see waitUntil).
func sleepPrecisely(d time.Duration) {
	if d <= 0 {
		return
	}
	ts := syscall.NsecToTimespec(int64(d))
	for {
		var left syscall.Timespec
		err := syscall.Nanosleep(&ts, &left)
		if !errors.Is(err, syscall.EINTR) {
			return
		}
		ts = left // interrupted by a signal: sleep what is left
	}
}
