package planout

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/plumbhq/plumb"
)

func TestRedactPlanJSON(t *testing.T) {
	plan := `{
	  "variables": {"pw": {"value": "s3cret-pw"}, "region": {"value": "eu-west-1"}},
	  "configuration": {"root_module": {"variables": {"pw": {"sensitive": true}, "region": {}}}},
	  "resource_changes": [{"address": "x.y", "change": {
	    "actions": ["create"],
	    "before": null,
	    "after": {"name": "n", "token": "tok-123456", "nested": {"k": ["a", "hidden-item"]}},
	    "after_sensitive": {"token": true, "nested": {"k": [false, true]}}
	  }}],
	  "output_changes": {"dsn": {"actions": ["create"], "after": "postgres://u:s3cret-pw@h", "after_sensitive": true}},
	  "prior_state": {"values": {"outputs": {"o": {"sensitive": true, "value": "old-secret"}},
	    "root_module": {"child_modules": [{"resources": [{"values": {"p": "mod-secret", "q": "plain"}, "sensitive_values": {"p": true}}]}]}}}
	}`
	out, found, err := RedactJSON([]byte(plan))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"s3cret-pw", "tok-123456", "hidden-item", "old-secret", "mod-secret"} {
		if strings.Contains(string(out), secret) {
			t.Errorf("redacted plan still holds %q:\n%s", secret, out)
		}
	}
	for _, kept := range []string{"eu-west-1", `"name":"n"`, `"a"`, "plain"} {
		if !strings.Contains(string(out), kept) {
			t.Errorf("redaction removed %s, which is not sensitive:\n%s", kept, out)
		}
	}
	want := map[string]bool{"s3cret-pw": true, "tok-123456": true, "hidden-item": true, "postgres://u:s3cret-pw@h": true, "old-secret": true, "mod-secret": true}
	for _, f := range found {
		delete(want, f)
	}
	if len(want) > 0 {
		t.Errorf("values not reported for scrubbing: %v (found %v)", want, found)
	}
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("redacted plan is not JSON: %v", err)
	}
}

func TestRedactPlanJSONBadInput(t *testing.T) {
	if _, _, err := RedactJSON([]byte("{not json")); err == nil {
		t.Error("want an error for broken JSON")
	}
	// Markers of the wrong shape are ignored, never a panic.
	out, _, err := RedactJSON([]byte(`{"resource_changes":[{"change":{"after":"x","after_sensitive":{"a":true}}},{"change":7},"s"]}`))
	if err != nil || !strings.Contains(string(out), `"after":"x"`) {
		t.Errorf("got %s, %v", out, err)
	}
}

func TestRedactorScrubsFoundValues(t *testing.T) {
	_, found, _ := RedactJSON([]byte(`{"output_changes":{"o":{"after":"abcd-secret","after_sensitive":true}}}`))
	red := plumb.NewRedactor(found...)
	if got := red.String("value is abcd-secret."); got != "value is "+plumb.Redacted+"." {
		t.Errorf("got %q", got)
	}
}
