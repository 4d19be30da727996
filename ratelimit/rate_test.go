package ratelimit

import (
	"strings"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	valid := []struct {
		in   string
		want Rate
	}{
		{"3000/min", Rate{3000, time.Minute}},
		{"50/s", Rate{50, time.Second}},
		{"100000/h", Rate{100000, time.Hour}},
		{"1/sec", Rate{1, time.Second}},
		{"2/second", Rate{2, time.Second}},
		{"3/m", Rate{3, time.Minute}},
		{"4/minute", Rate{4, time.Minute}},
		{"5/hour", Rate{5, time.Hour}},
		{" 10 / MIN ", Rate{10, time.Minute}},
		{"1000000000/s", Rate{1_000_000_000, time.Second}},
	}
	for _, tt := range valid {
		got, err := ParseRate(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	invalid := []struct{ in, want string }{
		{"", "want a whole number of units per s, min or h"},
		{"3000", "want a whole number"},
		{"3000/", "want a whole number"},
		{"/min", "want a whole number"},
		{"5/day", "want a whole number"},
		{"5/mins", "want a whole number"},
		{"5/min/s", "want a whole number"},
		{"abc/min", "want a whole number"},
		{"1.5/s", "want a whole number"},
		{"1e3/s", "want a whole number"},
		{"-5/min", "want a whole number"},
		{"+5/min", "want a whole number"},
		{"0/min", "at least 1 unit"},
		{"000/h", "at least 1 unit"},
		{"1000000001/s", "at most 1000000000 units"},
		{"99999999999999999999/s", "at most 1000000000 units"},
	}
	for _, tt := range invalid {
		_, err := ParseRate(tt.in)
		if err == nil {
			t.Errorf("ParseRate(%q): no error", tt.in)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.want) || !strings.Contains(msg, `"`+tt.in+`"`) || strings.Contains(msg, "\n") {
			t.Errorf("ParseRate(%q) error %q: want one line quoting the input and saying %q", tt.in, msg, tt.want)
		}
	}
}

func TestRateString(t *testing.T) {
	for _, in := range []string{"3000/min", "50/s", "100000/h"} {
		r, err := ParseRate(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.String(); got != in {
			t.Errorf("ParseRate(%q).String() = %q", in, got)
		}
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want int
	}{
		{0, 0},
		{time.Nanosecond, 1},
		{time.Second, 1},
		{1001 * time.Millisecond, 2},
		{6 * time.Minute, 360},
	}
	for _, tt := range tests {
		if got := (Result{RetryAfter: tt.d}).RetryAfterSeconds(); got != tt.want {
			t.Errorf("RetryAfterSeconds(%s) = %d, want %d", tt.d, got, tt.want)
		}
	}
}

func TestNewRefusesUnusableRate(t *testing.T) {
	for _, r := range []Rate{{}, {Units: 10}, {Units: -1, Period: time.Second}, {Units: 10, Period: time.Nanosecond}} {
		if _, err := NewMemory(r, MemoryOptions{}); err == nil {
			t.Errorf("NewMemory(%+v): no error", r)
		}
		if _, err := NewRedis(nil, r, RedisOptions{}); err == nil {
			t.Errorf("NewRedis(%+v): no error", r)
		}
	}
}
