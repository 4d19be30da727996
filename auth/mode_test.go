package auth_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/scoutgraph/scoutgraph/auth"
)

func TestParseModes(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []auth.Mode
		wantErr string
	}{
		{in: "none", want: []auth.Mode{auth.ModeNone}},
		{in: "tokens", want: []auth.Mode{auth.ModeTokens}},
		{in: "jwt", want: []auth.Mode{auth.ModeJWT}},
		{in: "freescout-key", want: []auth.Mode{auth.ModeFreeScoutKey}},
		{in: " jwt , tokens,none ", want: []auth.Mode{auth.ModeJWT, auth.ModeTokens, auth.ModeNone}},
		{in: "freescout-key,jwt,tokens,none", want: []auth.Mode{auth.ModeFreeScoutKey, auth.ModeJWT, auth.ModeTokens, auth.ModeNone}},
		{in: "", wantErr: "AUTH: empty"},
		{in: "   ", wantErr: "AUTH: empty"},
		{in: "tokens,", wantErr: "AUTH: entry 2 is empty"},
		{in: ",tokens", wantErr: "AUTH: entry 1 is empty"},
		{in: "tokens, ,jwt", wantErr: "AUTH: entry 2 is empty"},
		{in: "tokens,oauth", wantErr: `AUTH: unknown mode "oauth"`},
		{in: "JWT", wantErr: `AUTH: unknown mode "JWT"`},
		{in: "jwt,tokens,jwt", wantErr: `AUTH: mode "jwt" is listed twice`},
		{in: "none, none", wantErr: `AUTH: mode "none" is listed twice`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := auth.ParseModes(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("ParseModes(%q) = %v, %v; want error starting %q", tc.in, got, err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error is more than one line: %q", err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("ParseModes(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}
