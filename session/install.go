package session

import "github.com/scoutgraph/scoutgraph/upstream"

// Install is what the gateway has learnt about the FreeScout install, shared
// by every session (see upstream.Install).
func (s *Session) Install() *upstream.Install { return s.client.Install() }
