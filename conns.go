package main

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// connLimit keeps at most max client connections open, so that idle
// keep-alive connections cannot use up the process's file descriptors and
// lock new clients out: when a new connection would pass the bound, the
// connection idle the longest is closed to make room (its client opens a
// new one when it needs it); when none is idle, the new connection is closed
// at once. Its track method is an http.Server's ConnState hook.
type connLimit struct {
	max   int
	mu    sync.Mutex
	conns map[net.Conn]connInfo
}

type connInfo struct {
	state http.ConnState
	since time.Time
}

func newConnLimit(max int) *connLimit {
	return &connLimit{max: max, conns: map[net.Conn]connInfo{}}
}

// track follows c through its states.
func (l *connLimit) track(c net.Conn, s http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch s {
	case http.StateNew:
		if len(l.conns) >= l.max && !l.evictIdle() {
			_ = c.Close() // everything busy: the newcomer waits for no one
			return
		}
		l.conns[c] = connInfo{state: s, since: time.Now()}
	case http.StateActive, http.StateIdle:
		if _, ok := l.conns[c]; ok {
			l.conns[c] = connInfo{state: s, since: time.Now()}
		}
	case http.StateHijacked, http.StateClosed:
		delete(l.conns, c)
	}
}

// evictIdle closes the connection idle the longest, if any.
func (l *connLimit) evictIdle() bool {
	var oldest net.Conn
	var since time.Time
	for c, info := range l.conns {
		if info.state == http.StateIdle && (oldest == nil || info.since.Before(since)) {
			oldest, since = c, info.since
		}
	}
	if oldest == nil {
		return false
	}
	_ = oldest.Close()
	delete(l.conns, oldest)
	return true
}
