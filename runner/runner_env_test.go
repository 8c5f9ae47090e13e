package runner

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb"
)

// TestNewKeepsCredentialsFromEngines: whatever Config.Env holds, the
// runner's engine environment lacks plumb's credentials, and the warning
// names what it dropped without showing it.
func TestNewKeepsCredentialsFromEngines(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	r, err := New(Config{
		DataDir: t.TempDir(), Store: nopStore{},
		Env:         []string{"PLUMB_WEBHOOK_SECRET=whsec-9876", "HOOK=whsec-9876", "TF_VAR_region=eu", "HOME=/home/u"},
		Credentials: []string{"whsec-9876"},
		Logger:      slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"TF_VAR_region": "eu", "HOME": "/home/u"}, r.env); diff != "" {
		t.Errorf("engine env (-want +got):\n%s", diff)
	}
	if !strings.Contains(logs.String(), "HOOK") || strings.Contains(logs.String(), "whsec-9876") {
		t.Errorf("warning should name HOOK and never show the value:\n%s", logs.String())
	}
}

// nopStore satisfies New; nothing here runs.
type nopStore struct{ plumb.Store }
