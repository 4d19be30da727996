package ratelimit

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// maxUnits is the largest budget ParseRate accepts: beyond it the time one
// unit takes to come back falls under the nanosecond.
const maxUnits = 1_000_000_000

// Rate is a cost budget: Units per Period. The budget is also the most a
// caller can spend at once (the bucket holds Units when full), and it refills
// continuously, one unit every Period/Units.
type Rate struct {
	Units  int
	Period time.Duration // time.Second, time.Minute or time.Hour from ParseRate
}

// ParseRate parses the RATE_LIMIT setting: a positive whole number of units,
// a slash and a unit of time: "3000/min", "50/s", "100000/h". The units of
// time are s, sec, second, m, min, minute, h and hour, in any letter case.
func ParseRate(s string) (Rate, error) {
	num, unit, ok := strings.Cut(s, "/")
	num, unit = strings.TrimSpace(num), strings.ToLower(strings.TrimSpace(unit))
	var period time.Duration
	switch unit {
	case "s", "sec", "second":
		period = time.Second
	case "m", "min", "minute":
		period = time.Minute
	case "h", "hour":
		period = time.Hour
	default:
		ok = false
	}
	if !ok || num == "" || strings.TrimLeft(num, "0123456789") != "" {
		return Rate{}, fmt.Errorf("rate limit %q: want a whole number of units per s, min or h, like 3000/min", s)
	}
	n, err := strconv.Atoi(num)
	switch {
	case err != nil || n > maxUnits:
		return Rate{}, fmt.Errorf("rate limit %q: at most %d units per period", s, maxUnits)
	case n == 0:
		return Rate{}, fmt.Errorf("rate limit %q: the budget must be at least 1 unit", s)
	}
	return Rate{Units: n, Period: period}, nil
}

// String returns the rate as ParseRate reads it, like "3000/min".
func (r Rate) String() string {
	unit := r.Period.String()
	switch r.Period {
	case time.Second:
		unit = "s"
	case time.Minute:
		unit = "min"
	case time.Hour:
		unit = "h"
	}
	return strconv.Itoa(r.Units) + "/" + unit
}

// perUnit returns the time one unit takes to come back.
func (r Rate) perUnit() time.Duration { return r.Period / time.Duration(r.Units) }

// valid reports whether r can be used by a limiter.
func (r Rate) valid() error {
	if r.Units < 1 || r.Units > maxUnits || r.Period <= 0 || r.perUnit() <= 0 {
		return fmt.Errorf("ratelimit: unusable rate %d per %s", r.Units, r.Period)
	}
	return nil
}

// remainingSlack absorbs the rounding of the budget's state (floating-point
// seconds in Redis, float tokens in memory), so that a budget 2900.9999999
// units full reads as 2900 units, not 2899, nor 2901.
const remainingSlack = 1e-3

// result returns the Result of a budget that is full again after untilFull.
func (r Rate) result(now time.Time, allowed bool, untilFull, retryAfter time.Duration) Result {
	untilFull = max(untilFull, 0)
	used := float64(untilFull) / float64(r.Period) * float64(r.Units)
	remaining := r.Units - int(math.Ceil(used-remainingSlack))
	res := Result{
		Allowed:   allowed,
		Limit:     r.Units,
		Remaining: min(max(remaining, 0), r.Units),
		ResetAt:   now.Add(untilFull),
	}
	if !allowed {
		res.RetryAfter = max(retryAfter, time.Nanosecond)
	}
	return res
}
