package emulator

import (
	"fmt"
	"strings"
	"time"
)

// FreeScout writes dates in ISO 8601, 2021-04-21T13:24:01Z. Before module v1.0.21
// (freescout#1181) timelogs, users and mailboxes used a form with dashes in the time,
// 2021-04-21T13-24-01Z, as the reference's examples still show (see fixedDate).
const (
	layoutISO    = "2006-01-02T15:04:05Z"
	layoutDashed = "2006-01-02T15-04-05Z"
	layoutDate   = "2006-01-02"
)

func isoDate(t time.Time) string    { return t.UTC().Format(layoutISO) }
func dashedDate(t time.Time) string { return t.UTC().Format(layoutDashed) }

// fixedDate renders a date of a timelog, user or mailbox: dashed before module v1.0.21,
// ISO 8601 since.
func (s *store) fixedDate(t time.Time) string {
	if s.d.has(featColonDates) {
		return isoDate(t)
	}
	return dashedDate(t)
}

// isoDateOrNull is isoDate, or null for the zero time.
func isoDateOrNull(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := isoDate(t)
	return &s
}

// parseDate reads a date sent to the API: either of FreeScout's two formats, RFC 3339 with
// an offset, "YYYY-MM-DD hh:mm:ss" (UTC) or a bare date.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{layoutISO, layoutDashed, time.RFC3339, "2006-01-02 15:04:05", layoutDate} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// friendlySince says how long ago t was, in the manner of Carbon's diffForHumans that
// FreeScout uses for customerWaitingSince.friendly ("10 hours ago").
func friendlySince(t, now time.Time) string {
	d := now.Sub(t)
	if d < 0 {
		d = 0
	}
	units := []struct {
		name string
		size time.Duration
	}{
		{"year", 365 * 24 * time.Hour},
		{"month", 30 * 24 * time.Hour},
		{"week", 7 * 24 * time.Hour},
		{"day", 24 * time.Hour},
		{"hour", time.Hour},
		{"minute", time.Minute},
		{"second", time.Second},
	}
	for _, u := range units {
		if n := int(d / u.size); n >= 1 {
			if n == 1 {
				return fmt.Sprintf("1 %s ago", u.name)
			}
			return fmt.Sprintf("%d %ss ago", n, u.name)
		}
	}
	return "just now"
}
