package persisted

import (
	"strings"
	"testing"
)

func TestParseMode(t *testing.T) {
	tests := []struct {
		in   string
		want Mode
	}{
		{"off", Off},
		{"apq", APQ},
		{"only", Only},
		{" APQ ", APQ},
		{"Only", Only},
	}
	for _, tt := range tests {
		got, err := ParseMode(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseMode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "on", "true", "apq,only", "trusted"} {
		_, err := ParseMode(in)
		if err == nil {
			t.Errorf("ParseMode(%q): no error", in)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "want off, apq or only") || strings.Contains(msg, "\n") {
			t.Errorf("ParseMode(%q) error %q: want one line naming the modes", in, msg)
		}
	}
}
