package model

import (
	"fmt"
	"io"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/scoutgraph/scoutgraph/errcode"
)

// MarshalDateTime writes a DateTime: RFC 3339 in UTC.
func MarshalDateTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = w.Write(AppendDateTime(nil, t))
	})
}

// AppendDateTime appends t as MarshalDateTime writes it: RFC 3339 in UTC,
// with the fractional seconds it has, in quotes (the text needs no escaping).
func AppendDateTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// UnmarshalDateTime reads a DateTime a client sent: RFC 3339, with or
// without fractional seconds and with any offset. Anything else is a
// BAD_USER_INPUT error that repeats a few dozen characters of it at most.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, errcode.New(errcode.BadUserInput, fmt.Sprintf("a DateTime is a string such as 2020-03-15T22:46:22Z, not %T", v))
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errcode.New(errcode.BadUserInput, fmt.Sprintf("%q is not a DateTime; write RFC 3339, such as 2020-03-15T22:46:22Z", errcode.Echo(s)))
	}
	return t.UTC(), nil
}
