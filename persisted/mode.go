package persisted

import (
	"fmt"
	"strings"
)

// Mode is the PERSISTED_QUERIES setting: which operations the gateway runs
// and whether clients may send a hash instead of the query text.
type Mode string

// The modes of PERSISTED_QUERIES.
const (
	// Off: persisted operations are not supported. A request that carries
	// only a hash is answered with the error that makes Apollo's and urql's
	// persisted-query links stop sending hashes and resend the query; a
	// request with a query runs and its persistedQuery extension is ignored.
	Off Mode = "off"
	// APQ: Apollo's automatic persisted queries. A hash the Store knows runs
	// its query; an unknown hash is PERSISTED_QUERY_NOT_FOUND until the client
	// sends the query with it once.
	APQ Mode = "apq"
	// Only: trusted documents. Only the operations of the Manifest run, named
	// by their hash or sent verbatim; anything else is
	// PERSISTED_QUERY_REQUIRED. Nothing is registered.
	Only Mode = "only"
)

// ParseMode parses the PERSISTED_QUERIES setting: off, apq or only, in any
// letter case, surrounding spaces ignored.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case Off, APQ, Only:
		return m, nil
	}
	return "", fmt.Errorf("persisted queries mode %q: want off, apq or only", s)
}
