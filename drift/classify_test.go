package drift_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/drift"
)

// oob and pend build expected findings.
func oob(addr, action string, attrs ...string) plumb.DriftFinding {
	return plumb.DriftFinding{Address: addr, Kind: plumb.DriftOutOfBand, Action: action, Attributes: nonNil(attrs)}
}

func pend(addr, action string, attrs ...string) plumb.DriftFinding {
	return plumb.DriftFinding{Address: addr, Kind: plumb.DriftPending, Action: action, Attributes: nonNil(attrs)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// merged is base-next's merged changes, as pending findings.
var merged = []plumb.DriftFinding{
	pend("null_resource.gone", "delete"),
	pend("null_resource.n", "replace", "triggers.env"),
	pend("null_resource.new", "create"),
	pend("time_sleep.w", "update", "destroy_duration"),
}

// fixtures says what each plan under testdata/plans must classify as. The
// plans are real: scripts/drift-fixtures.sh made them with tofu and the
// offline providers from testdata/configs.
var fixtures = []struct {
	plan   string
	status plumb.DriftStatus
	want   []plumb.DriftFinding
}{
	// The file is gone; the plan's create only restores it.
	{"deleted_file", plumb.DriftDrifted, []plumb.DriftFinding{oob("local_file.a", "delete")}},
	// hashicorp/local drops an edited file from state: the engine says
	// deleted, and so does plumb.
	{"edited_file", plumb.DriftDrifted, []plumb.DriftFinding{oob("local_file.b", "delete")}},
	{"expired_rotating", plumb.DriftDrifted, []plumb.DriftFinding{oob("time_rotating.key", "delete")}},
	{"pending", plumb.DriftPendingOnly, append([]plumb.DriftFinding{pend("local_file.a", "replace", "content")}, merged...)},
	{"never_applied", plumb.DriftPendingOnly, []plumb.DriftFinding{
		pend("local_file.a", "create"), pend("local_file.b", "create"), pend("null_resource.gone", "create"),
		pend("null_resource.n", "create"), pend("time_sleep.w", "create"),
	}},
	// a was deleted outside and its content changed in the merge: the
	// restore is out of band, the new content pending. b was edited
	// outside and is only restored.
	{"both", plumb.DriftDriftedPending, append([]plumb.DriftFinding{
		oob("local_file.a", "delete"), pend("local_file.a", "update", "content"), oob("local_file.b", "delete"),
	}, merged...)},
	{"sensitive_changed", plumb.DriftPendingOnly, []plumb.DriftFinding{
		pend("local_file.s", "replace", "sensitive_content"), pend("null_resource.t", "replace", "triggers.token"),
	}},
	{"sensitive_deleted", plumb.DriftDrifted, []plumb.DriftFinding{oob("local_file.s", "delete")}},
	// The move is not a finding; the forget and the import are.
	{"state_only", plumb.DriftPendingOnly, []plumb.DriftFinding{
		pend("null_resource.b", drift.ActionForget), pend("time_static.t", drift.ActionImport),
	}},
	// A trigger on the deleted file's hash is replaced by the restore: a
	// knock-on of the drift, not pending. Once the merge makes it hash a
	// new file too, its replace is pending.
	{"knockon", plumb.DriftDrifted, []plumb.DriftFinding{oob("local_file.a", "delete")}},
	{"knockon_pending", plumb.DriftDriftedPending, []plumb.DriftFinding{
		oob("local_file.a", "delete"), pend("local_file.c", "create"), pend("null_resource.dep", "replace", "triggers"),
	}},
	{"clean_1", plumb.DriftClean, []plumb.DriftFinding{}},
	{"clean_2", plumb.DriftClean, []plumb.DriftFinding{}},
}

func TestDriftFixtures(t *testing.T) {
	for _, tc := range fixtures {
		t.Run(tc.plan, func(t *testing.T) {
			b := readPlan(t, tc.plan)
			got := drift.ClassifyJSON(b, nil)
			want := plumb.DriftResult{Status: tc.status, Resources: tc.want}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ClassifyJSON(%s) (-want +got):\n%s", tc.plan, diff)
			}
			out, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(out), "fixture-secret") {
				t.Errorf("a sensitive value leaked into the result: %s", out)
			}
		})
	}
}

// Every committed plan is covered by a case above: a new fixture without
// expectations would prove nothing.
func TestDriftFixturesAllClassified(t *testing.T) {
	files, err := filepath.Glob("testdata/plans/*.json")
	if err != nil || len(files) < 11 {
		t.Fatalf("testdata/plans: %d plans (%v); run scripts/drift-fixtures.sh", len(files), err)
	}
	known := map[string]bool{}
	for _, tc := range fixtures {
		known[tc.plan] = true
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		if !known[name] {
			t.Errorf("%s has no case in fixtures", f)
		}
		if strings.HasPrefix(name, "sensitive") && !strings.Contains(string(readPlan(t, name)), `"fixture-secret`) {
			t.Errorf("%s: the sensitive fixture holds no secret value, so the leak check proves nothing", f)
		}
	}
}

func readPlan(t *testing.T, name string) []byte {
	t.Helper()
	b, err := readFixture(name)
	if err != nil {
		t.Fatalf("%v (run scripts/drift-fixtures.sh)", err)
	}
	return b
}

func readFixture(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", "plans", name+".json"))
}
