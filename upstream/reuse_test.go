package upstream

import (
	"fmt"
	"strings"
	"testing"
)

// TestReuseDecodesOnlyWhatChanged: the same bytes under the same key give
// the value decoded before; other bytes, another key or another type are
// decoded afresh; errors are not remembered.
func TestReuseDecodesOnlyWhatChanged(t *testing.T) {
	d := NewAnswers()
	decodes := 0
	decode := func(b []byte) (*string, error) {
		decodes++
		if strings.HasPrefix(string(b), "bad") {
			return nil, fmt.Errorf("bad answer")
		}
		s := string(b)
		return &s, nil
	}
	first, _ := Reuse(d, "GET /a", []byte("one"), decode)
	again, _ := Reuse(d, "GET /a", []byte("one"), decode)
	if decodes != 1 || first != again {
		t.Fatalf("same bytes: %d decodes, same value %v; want 1 decode and the same value", decodes, first == again)
	}
	if changed, _ := Reuse(d, "GET /a", []byte("two"), decode); decodes != 2 || *changed != "two" {
		t.Fatalf("changed bytes: %d decodes, value %q; want a fresh decode of \"two\"", decodes, *changed)
	}
	if _, _ = Reuse(d, "GET /b", []byte("two"), decode); decodes != 3 {
		t.Fatalf("another key: %d decodes, want 3", decodes)
	}
	if n, _ := Reuse(d, "GET /b", []byte("two"), func([]byte) (int, error) { return 2, nil }); n != 2 {
		t.Fatalf("another type under the same key: %d", n)
	}
	for range 2 {
		if _, err := Reuse(d, "GET /c", []byte("bad"), decode); err == nil {
			t.Fatal("a bad answer decoded without an error")
		}
	}
	if decodes != 5 {
		t.Fatalf("a bad answer was remembered: %d decodes, want 5", decodes)
	}
}

// TestReuseIsBounded: the bodies held stay within maxReusedBytes, the
// oldest forgotten first.
func TestReuseIsBounded(t *testing.T) {
	d := NewAnswers()
	body := []byte(strings.Repeat("x", maxReusedBytes/16))
	decode := func(b []byte) (int, error) { return len(b), nil }
	for i := range 40 {
		if _, err := Reuse(d, fmt.Sprint("GET /", i), body, decode); err != nil {
			t.Fatal(err)
		}
	}
	if d.size > maxReusedBytes || len(d.entries) != 16 {
		t.Fatalf("%d bytes in %d entries, want at most %d bytes (16 entries)", d.size, len(d.entries), maxReusedBytes)
	}
	if _, ok := d.entries["GET /0"]; ok {
		t.Error("the oldest answer is still held")
	}
	if _, ok := d.entries["GET /39"]; !ok {
		t.Error("the newest answer is not held")
	}
}
