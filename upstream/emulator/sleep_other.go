//go:build !linux

package emulator

import "time"

// sleepPrecisely sleeps for d. Outside Linux it has only Go's timers, which
// can wake up to a millisecond late (see waitUntil).
func sleepPrecisely(d time.Duration) { time.Sleep(d) }
