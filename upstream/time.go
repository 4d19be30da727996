package upstream

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	json "github.com/goccy/go-json"
)

// Time is a FreeScout timestamp. FreeScout writes most dates as RFC 3339 in UTC
// ("2020-03-15T22:46:22Z") but some resources (timelogs, users, mailboxes) use
// dashes in the time part ("2021-04-21T13-24-01Z"). Time decodes both, plus
// null and "" as the zero Time, and always encodes RFC 3339 in UTC (zero as null).
type Time struct {
	time.Time
}

// dashedLayout is FreeScout's second date spelling, with dashes between
// hours, minutes and seconds.
const dashedLayout = "2006-01-02T15-04-05Z07:00"

// ParseTime parses a FreeScout date in either of its spellings. The empty
// string parses to the zero Time.
func ParseTime(s string) (Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, dashedLayout, "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			if y := t.UTC().Year(); y < 0 || y > 9999 {
				// Its UTC form would have no four-digit year to encode.
				return Time{}, fmt.Errorf("parse freescout date %q: year out of range in UTC", s)
			}
			return Time{t.UTC()}, nil
		}
	}
	return Time{}, fmt.Errorf("parse freescout date %q: unknown format", s)
}

// NewTime returns t as a Time in UTC.
func NewTime(t time.Time) Time { return Time{t.UTC()} }

// Ptr returns a pointer to t, or nil when t is zero.
func (t Time) Ptr() *time.Time {
	if t.IsZero() {
		return nil
	}
	v := t.Time
	return &v
}

// String formats t as FreeScout expects dates: RFC 3339 in UTC, seconds precision.
func (t Time) String() string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// MarshalJSON encodes t as RFC 3339 in UTC, or null when zero.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.String())
}

// UnmarshalJSON decodes either FreeScout date spelling, null or "".
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*t = Time{}
		return nil
	}
	var s string
	if plain, ok := plainString(b); ok {
		s = string(plain) // the common case, without another pass of the decoder
	} else if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("freescout date: %w", err)
	}
	v, err := ParseTime(s)
	if err != nil {
		return err
	}
	*t = v
	return nil
}
