package auth

import (
	"errors"
	"fmt"
	"strings"
)

// Mode is one way a caller may authenticate: an entry of the AUTH setting.
type Mode string

// The modes.
const (
	// ModeNone lets a request that carries no credential of a listed mode
	// in as Anonymous.
	ModeNone Mode = "none"
	// ModeTokens reads a Bearer token and looks its SHA-256 up in
	// AUTH_TOKENS_FILE.
	ModeTokens Mode = "tokens"
	// ModeJWT reads a Bearer JWT and verifies it against JWT_JWKS_URL.
	ModeJWT Mode = "jwt"
	// ModeFreeScoutKey reads X-FreeScout-API-Key and acts with that key.
	ModeFreeScoutKey Mode = "freescout-key"
)

// ParseModes parses the AUTH setting: a comma list of modes, spaces around
// entries ignored. It rejects an empty list, an empty entry, an unknown
// entry and a repeated one, naming the entry.
func ParseModes(s string) ([]Mode, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("AUTH: empty: want a comma list of none, tokens, jwt, freescout-key")
	}
	var modes []Mode
	for i, entry := range strings.Split(s, ",") {
		modes = append(modes, Mode(strings.TrimSpace(entry)))
		if modes[i] == "" {
			return nil, fmt.Errorf("AUTH: entry %d is empty", i+1)
		}
	}
	if err := checkModes(modes); err != nil {
		return nil, err
	}
	return modes, nil
}

// checkModes rejects an empty list, unknown modes and repeated ones.
func checkModes(modes []Mode) error {
	if len(modes) == 0 {
		return errors.New("AUTH: no mode: want a comma list of none, tokens, jwt, freescout-key")
	}
	seen := make(map[Mode]bool, len(modes))
	for _, m := range modes {
		if !m.known() {
			return fmt.Errorf("AUTH: unknown mode %q (want none, tokens, jwt or freescout-key)", m)
		}
		if seen[m] {
			return fmt.Errorf("AUTH: mode %q is listed twice", m)
		}
		seen[m] = true
	}
	return nil
}

func (m Mode) known() bool {
	switch m {
	case ModeNone, ModeTokens, ModeJWT, ModeFreeScoutKey:
		return true
	}
	return false
}
