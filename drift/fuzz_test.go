package drift_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/drift"
)

// FuzzClassifyJSON: whatever the engine (or a broken file) hands over,
// ClassifyJSON never panics, gives the same answer twice, and gives a
// result that holds together: a known status, the status its findings
// sum to, a message exactly when it is error.
func FuzzClassifyJSON(f *testing.F) {
	files, _ := filepath.Glob("testdata/plans/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"format_version":"1.2","resource_drift":[{"address":"a.b","mode":"managed","change":{"actions":["update"],"before":{"m":{"k":[1,{"x":null}]}},"after":{"m":{"k":[2]}},"before_sensitive":{"m":{"k":[true]}},"after_sensitive":true}}],"resource_changes":[{"address":"a.b","mode":"managed","change":{"actions":["delete","create"],"before":{"m":1},"after":{"m":[]},"after_unknown":{"m":[true,{"z":true}]},"replace_paths":[["m",0],[1.5],{}]}}]}`))
	f.Add([]byte(`{"format_version":"1.0","errored":true}`))
	f.Add([]byte(`{"format_version":"1.2","complete":false,"configuration":{"root_module":{"module_calls":{"m":{"module":{"resources":[{"type":"a","name":"b","expressions":{"x":{"references":["y"]}}}]}}}}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := drift.ClassifyJSON(b, nil)
		if again := drift.ClassifyJSON(b, nil); !cmp.Equal(r, again) {
			t.Fatalf("two classifications differ:\n%s", cmp.Diff(r, again))
		}
		statuses := []plumb.DriftStatus{plumb.DriftClean, plumb.DriftDrifted, plumb.DriftPendingOnly, plumb.DriftDriftedPending, plumb.DriftError}
		if !slices.Contains(statuses, r.Status) {
			t.Fatalf("status %q", r.Status)
		}
		if r.Resources == nil {
			t.Fatal("resources is nil")
		}
		if (r.Status == plumb.DriftError) != (r.Error != "") {
			t.Fatalf("status %s with error %q", r.Status, r.Error)
		}
		if r.Status != plumb.DriftError && drift.Status(r.Resources) != r.Status {
			t.Fatalf("status %s, findings sum to %s", r.Status, drift.Status(r.Resources))
		}
		for _, fd := range r.Resources {
			if fd.Kind != plumb.DriftOutOfBand && fd.Kind != plumb.DriftPending || fd.Action == "" || fd.Attributes == nil {
				t.Fatalf("finding %+v", fd)
			}
		}
	})
}
