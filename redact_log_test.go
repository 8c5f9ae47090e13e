package plumb_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/plumbhq/plumb"
)

// A secret never reaches the log, wherever in the record it is.
func TestRedactHandler(t *testing.T) {
	const canary = "canary-s3cr3t-value"
	var buf bytes.Buffer
	log := slog.New(plumb.RedactHandler(slog.NewJSONHandler(&buf, nil), plumb.NewRedactor(canary)))
	log.With("pre", "with "+canary).WithGroup("g").Info("msg "+canary, "s", canary, "err", errors.New("failed: "+canary),
		slog.Group("nested", "x", "deep "+canary), "n", 3)
	out := buf.String()
	if strings.Contains(out, canary) || !strings.Contains(out, `"n":3`) {
		t.Errorf("log line: %s", out)
	}
}
