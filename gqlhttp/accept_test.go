package gqlhttp

import "testing"

func TestNegotiate(t *testing.T) {
	tests := []struct {
		accept []string
		want   string // "" means not acceptable
	}{
		{nil, mediaJSON},
		{[]string{""}, mediaJSON},
		{[]string{"garbage;;;"}, mediaJSON},
		{[]string{"*/*"}, mediaJSON},
		{[]string{"application/*"}, mediaJSON},
		{[]string{"application/json"}, mediaJSON},
		{[]string{"application/graphql-response+json"}, mediaGraphQLResponse},
		{[]string{"application/graphql-response+json; charset=utf-8"}, mediaGraphQLResponse},
		{[]string{"application/graphql-response+json, application/json;q=0.9"}, mediaGraphQLResponse},
		{[]string{"application/json, application/graphql-response+json"}, mediaGraphQLResponse},
		{[]string{"application/json;q=1, application/graphql-response+json;q=0.5"}, mediaJSON},
		{[]string{"application/graphql-response+json, */*"}, mediaGraphQLResponse},
		{[]string{"application/json, */*"}, mediaJSON},
		{[]string{"*/*;q=0.8, application/graphql-response+json;q=0.1"}, mediaJSON},
		{[]string{"application/graphql-response+json;q=0, */*"}, mediaJSON},
		{[]string{"application/json;q=0, */*"}, mediaGraphQLResponse},
		{[]string{"text/html"}, ""},
		{[]string{"application/json;q=0"}, ""},
		{[]string{"*/*;q=0"}, ""},
		{[]string{"text/html", "application/graphql-response+json"}, mediaGraphQLResponse},
		{[]string{"application/json;q=2"}, mediaJSON}, // an invalid quality drops the range; nothing usable is left
		{[]string{"text/html, application/json;q=abc"}, ""},
		// urql's default Accept
		{[]string{"application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed"}, mediaGraphQLResponse},
	}
	for _, tt := range tests {
		got, ok := negotiate(tt.accept)
		if !ok {
			got = ""
		}
		if got != tt.want {
			t.Errorf("negotiate(%q) = %q, want %q", tt.accept, got, tt.want)
		}
	}
}
