package upstream_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scoutgraph/scoutgraph/upstream"
)

// assertTimeRoundTrip checks that a decoded Time survives MarshalJSON and
// UnmarshalJSON as the same instant. Time encodes whole seconds, FreeScout's
// documented precision: a fraction of a second is dropped (truncated), so
// the instant is compared at that precision, and exactly when it has none.
func assertTimeRoundTrip(t *testing.T, in string, tm upstream.Time) {
	t.Helper()
	if tm.Location() != time.UTC {
		t.Fatalf("%q: decoded in %v, want UTC", in, tm.Location())
	}
	b, err := tm.MarshalJSON()
	if err != nil {
		t.Fatalf("%q: MarshalJSON(%v): %v", in, tm.Time, err)
	}
	var back upstream.Time
	if err := back.UnmarshalJSON(b); err != nil {
		t.Fatalf("%q: UnmarshalJSON(%s) of our own encoding: %v", in, b, err)
	}
	if tm.IsZero() {
		if string(b) != "null" || !back.IsZero() {
			t.Fatalf("%q: zero time encoded as %s, decoded as %v", in, b, back.Time)
		}
		return
	}
	if back.Unix() != tm.Unix() || back.Nanosecond() != 0 {
		t.Fatalf("%q: %v encoded as %s decodes as %v", in, tm.Time, b, back.Time)
	}
	if tm.Nanosecond() == 0 && !back.Equal(tm.Time) {
		t.Fatalf("%q: %v round-trips as %v", in, tm.Time, back.Time)
	}
	// String is the same spelling, and parses back too.
	if s := tm.String(); `"`+s+`"` != string(b) {
		t.Fatalf("%q: String %q, MarshalJSON %s", in, s, b)
	}
	again, err := upstream.ParseTime(tm.String())
	if err != nil || !again.Equal(back.Time) {
		t.Fatalf("%q: ParseTime(String()) = %v, %v", in, again.Time, err)
	}
}

var timeSeeds = []string{
	"2020-03-15T22:46:22Z", "2021-04-21T13-24-01Z", "", " ", "null",
	"2020-03-15T22:46:22.123456789Z", "2020-03-15T22:46:22.5+05:30",
	"2020-03-15T23:46:22+01:00", "2021-04-21T15-24-01+02:00", "2021-04-21T13-24-01-00:00",
	"2020-03-15 22:46:22", "2020-03-15", " 2020-03-15T22:46:22Z\n",
	"0001-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "0000-01-01T00:30:00+01:00",
	"9999-12-31T23:59:59Z", "9999-12-31T23:30:00-01:00", "0000-01-01",
	"2021-02-29T00:00:00Z", "2021-04-21T25:00:00Z", "2021-04-21T13-24", "yesterday",
}

func FuzzParseTime(f *testing.F) {
	for _, s := range timeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := upstream.ParseTime(s)
		if err != nil {
			if !tm.IsZero() {
				t.Fatalf("ParseTime(%q) failed (%v) but returned %v", s, err, tm.Time)
			}
			return
		}
		if strings.TrimSpace(s) == "" && !tm.IsZero() {
			t.Fatalf("ParseTime(%q) = %v, want zero", s, tm.Time)
		}
		assertTimeRoundTrip(t, s, tm)
	})
}

func FuzzTimeUnmarshalJSON(f *testing.F) {
	for _, s := range timeSeeds {
		b, _ := json.Marshal(s)
		f.Add(b)
	}
	for _, s := range []string{`null`, ` null `, `""`, `1`, `{}`, `[]`, `"\u00322020-01-01"`, `"2020-01-01T00:00:00Z`, `true`, `"\ud800"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var tm upstream.Time
		err := tm.UnmarshalJSON(b)
		if json.Valid(b) {
			// Through encoding/json the outcome is the same.
			var viaJSON upstream.Time
			err2 := json.Unmarshal(b, &viaJSON)
			if (err == nil) != (err2 == nil) || (err == nil && !viaJSON.Equal(tm.Time)) {
				t.Fatalf("%s: UnmarshalJSON gives %v, %v; json.Unmarshal gives %v, %v", b, tm.Time, err, viaJSON.Time, err2)
			}
		}
		if err != nil {
			return
		}
		assertTimeRoundTrip(t, string(b), tm)
	})
}

func FuzzParseError(f *testing.F) {
	f.Add(http.StatusBadRequest, []byte(`{"message":"Bad request","errorCode":"BAD REQUEST","_embedded":{"errors":[{"path":"subject","message":"may not be empty","source":"JSON"},{"path":"status","message":"Expected one of these","rejectedValue":"Wrong","source":"JSON"}]}}`))
	f.Add(http.StatusNotFound, []byte(`{"message":"Not found"}`))
	f.Add(http.StatusBadGateway, []byte(`<html><body>502</body></html>`))
	f.Add(http.StatusInternalServerError, []byte(``))
	f.Add(0, []byte(`null`))
	f.Add(-1, []byte(`{"message":"   "}`))
	f.Add(999, []byte(`{"message":""}`))
	f.Add(http.StatusConflict, []byte(`{"_embedded":{"errors":[{"path":1}]}}`))
	f.Add(http.StatusOK, []byte(`{"message":"ok?"}`))
	f.Add(http.StatusUnauthorized, []byte(`{"message":"x","_embedded":{"errors":null}}`))
	f.Add(http.StatusForbidden, []byte(`{"message":"x","_embedded":[]}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := upstream.ParseError("GET", "/api/conversations/1", status, body)
		if e == nil {
			t.Fatal("ParseError returned nil")
		}
		if e.StatusCode != status || e.Method != "GET" || e.Path != "/api/conversations/1" {
			t.Fatalf("error = %+v, want status %d", e, status)
		}
		if strings.TrimSpace(e.Message) == "" {
			t.Fatalf("empty message for status %d, body %q", status, body)
		}
		msg := e.Error()
		if !strings.HasPrefix(msg, "freescout GET /api/conversations/1: "+strconv.Itoa(status)) {
			t.Fatalf("Error() = %q", msg)
		}
		// The sentinel follows from the status alone, whatever the body.
		want := map[error]bool{
			upstream.ErrBadRequest:   status == 400 || status == 422,
			upstream.ErrUnauthorized: status == 401,
			upstream.ErrForbidden:    status == 403,
			upstream.ErrNotFound:     status == 404 || status == 410,
			upstream.ErrConflict:     status == 409,
			upstream.ErrUnavailable:  status >= 500,
		}
		for sentinel, match := range want {
			if errors.Is(e, sentinel) != match {
				t.Fatalf("status %d: errors.Is(%v) = %v", status, sentinel, !match)
			}
		}
		var target *upstream.Error
		if !errors.As(error(e), &target) || target != e {
			t.Fatal("errors.As does not find the *Error")
		}
	})
}

func FuzzCustomFieldOptions(f *testing.F) {
	for _, s := range []string{
		`{"1":"Low","2":"Medium","3":"High"}`, `null`, `""`, `"x"`, `[]`, `["a","b"]`, `[1,null,true]`,
		`{"10":"Ten","9":"Nine","2":"Two"}`, `{"1":"a","01":"b","001":"c"}`, `{"a":"x","1":"y","-1":"z"}`, `{"2":"","10":"","1a":"","b":"","0x1":""}`,
		`{"1":5,"2":true,"3":null}`, `[{"id":"1","label":"x"}]`, `{}`, `5`, `{`, `{"1":{"x":1}}`, ` {"2":"b", "1":"a"} `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		doc := append(append([]byte(`{"id":18,"name":"Priority","type":"dropdown","options":`), raw...), '}')
		var f1 upstream.CustomField
		if err := json.Unmarshal(doc, &f1); err != nil {
			return
		}
		if f1.ID != 18 || f1.Name != "Priority" || f1.Type != "dropdown" {
			t.Fatalf("options %q disturbed the other members: %+v", raw, f1)
		}
		// Decoding is deterministic.
		var f2 upstream.CustomField
		if err := json.Unmarshal(doc, &f2); err != nil || !slices.Equal(f1.Options, f2.Options) {
			t.Fatalf("options %q decode as %+v, then as %+v (%v)", raw, f1.Options, f2.Options, err)
		}
		// An object's options are ordered by numeric id.
		if trimmed := bytes.TrimSpace(raw); len(trimmed) > 0 && trimmed[0] == '{' {
			for i := 1; i < len(f1.Options); i++ {
				a, errA := strconv.Atoi(f1.Options[i-1].ID)
				b, errB := strconv.Atoi(f1.Options[i].ID)
				if errA == nil && errB == nil && a > b {
					t.Fatalf("options %q out of order: %+v", raw, f1.Options)
				}
			}
		}
		// The encoded form decodes to the same options (cached definitions).
		enc, err := json.Marshal(f1)
		if err != nil {
			t.Fatal(err)
		}
		var back upstream.CustomField
		if err := json.Unmarshal(enc, &back); err != nil || !slices.Equal(back.Options, f1.Options) {
			t.Fatalf("options %q: %s decodes as %+v, want %+v (%v)", raw, enc, back.Options, f1.Options, err)
		}
	})
}
