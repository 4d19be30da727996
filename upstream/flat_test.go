package upstream

import (
	"encoding/json"
	"slices"
	"testing"
)

// personGeneral is Person.UnmarshalJSON without the fast path: what the
// fast path must agree with.
func personGeneral(b []byte) (Person, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return Person{}, err
	}
	var v Person
	for k, val := range raw {
		if err := v.set([]byte(k), val); err != nil {
			return Person{}, err
		}
	}
	return v, nil
}

// personSeeds are people as FreeScout embeds them, and objects the fast
// path must leave to the general decode.
var personSeeds = []string{
	`{"id":11,"type":"customer","email":"customer@example.org"}`,
	`{"id":14,"type":"user","firstName":"John","lastName":"Doe","photoUrl":"https://x/y.png","email":"e@x"}`,
	`{"id":1,"type":"user","role":"admin"}`,
	`{"id":1,"firstName":null,"photoUrl":null}`,
	`{}`, ` { } `, `null`, `[]`, `{"id":1}x`, `{"id":1,}`, `{"id" 1}`, `{"id":}`,
	` {"id" : 7 , "firstName" : "Zoë" , "email":"a\"b\\c\u00e9\/"} `,
	`{"firstName":"bad \x escape"}`, `{"firstName":"bad \u12g4"}`, `{"role":"bad \q"}`,
	`{"id":"7"}`, `{"id":7.5}`, `{"id":-0}`, `{"id":007}`, `{"id":1e2}`, `{"id":-}`, `{"id":1.}`, `{"id":2E+3}`,
	`{"id":true}`, `{"id":tru}`, `{"firstName":false}`, `{"role":nul}`, `{"role":[1,2]}`, `{"role":{"a":1}}`,
	`{"fir\u0073tName":"escaped key"}`, `{"id":1,"id":2}`, `{"firstName":"a","firstName":null}`,
	"{\"firstName\":\"tab\there\"}", "{\"firstName\":\"\xff\xfe\"}", `{"photoUrl":""}`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17}`,
}

// FuzzPersonFastPath checks that reading a person directly decodes
// exactly what the generic decode does, and fails exactly when it fails.
func FuzzPersonFastPath(f *testing.F) {
	for _, s := range personSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want, wantErr := personGeneral(b)
		var got Person
		gotErr := got.UnmarshalJSON(b)
		if (gotErr != nil) != (wantErr != nil) {
			t.Fatalf("%q: error %v, general decode %v", b, gotErr, wantErr)
		}
		if gotErr != nil {
			return
		}
		if got.ID != want.ID || got.Type != want.Type || got.FirstName != want.FirstName ||
			got.LastName != want.LastName || got.PhotoURL != want.PhotoURL || got.Email != want.Email ||
			got.sent != want.sent || !sameKeys(got.other, want.other) {
			t.Fatalf("%q: decoded %+v, general decode %+v", b, got, want)
		}
	})
}

// sameKeys reports whether a and b hold the same keys, in any order.
func sameKeys(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

func TestFlatMembers(t *testing.T) {
	tests := []struct {
		in   string
		keys []string
		ok   bool
	}{
		{`{}`, nil, true},
		{` {"a" : 1 ,"b":"x,}"}`, []string{"a", "b"}, true},
		{`{"a":"\"}"}`, []string{"a"}, true},
		{`{"a":{}}`, nil, false},
		{`{"a":[]}`, nil, false},
		{`{"\u0061":1}`, nil, false},
		{`{"a":1} {}`, nil, false},
		{`{"a":1`, nil, false},
		{`{"a":"1`, nil, false},
		{`{"a":01}`, nil, false},
	}
	for _, tt := range tests {
		var buf [4]member
		got, ok := flatMembers([]byte(tt.in), buf[:])
		if ok != tt.ok {
			t.Errorf("%s: ok %v, want %v", tt.in, ok, tt.ok)
		}
		if !ok || !tt.ok {
			continue
		}
		if len(got) != len(tt.keys) {
			t.Errorf("%s: %d members, want %d", tt.in, len(got), len(tt.keys))
			continue
		}
		for i, m := range got {
			if string(m.key) != tt.keys[i] {
				t.Errorf("%s: key %d is %q, want %q", tt.in, i, m.key, tt.keys[i])
			}
		}
	}
}
