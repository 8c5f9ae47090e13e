package standin

import (
	"strings"
	"testing"
)

func TestRandomChars(t *testing.T) {
	t.Parallel()
	got, err := randomChars(12, []charClass{
		{"ABC", true, 3},
		{"abc", false, 5}, // disabled: its minimum does not apply
		{"012", true, 0},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 12 || strings.Count(got, "A")+strings.Count(got, "B")+strings.Count(got, "C") < 3 {
		t.Errorf("randomChars = %q: want 12 chars with at least 3 of ABC", got)
	}
	if strings.ContainsAny(got, "abc") {
		t.Errorf("randomChars = %q: used a disabled class", got)
	}
	if _, err := randomChars(2, []charClass{{"A", true, 3}}); err == nil {
		t.Error("length below the sum of minimums: want an error")
	}
	if _, err := randomChars(2, []charClass{{"A", false, 0}}); err == nil {
		t.Error("every class disabled: want an error")
	}
}

func TestParseMode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]uint32{"0644": 0o644, "755": 0o755, "0600": 0o600} {
		if got, err := parseMode(in); err != nil || uint32(got) != want {
			t.Errorf("parseMode(%q) = %o, %v; want %o", in, got, err, want)
		}
	}
	for _, in := range []string{"", "64", "0999", "rwxr-xr-x", "07777"} {
		if _, err := parseMode(in); err == nil {
			t.Errorf("parseMode(%q): want an error", in)
		}
	}
}
