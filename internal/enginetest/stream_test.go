package enginetest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/plumbhq/plumb/runner/planout"
)

// TestPlanEventsMatchDocument holds plumb's reading of OpenTofu's streamed
// plan events (-json-into) to the plan document (`show -json`) on real
// plans: whenever the events say they are complete, the summary, the
// resource list (order included) and the count of changes made outside
// are exactly what the document gives; an in-place update, whose changed
// attributes only the document has, makes them incomplete.
func TestPlanEventsMatchDocument(t *testing.T) {
	t.Parallel()
	e := newEngine(t, "tofu_1.12.6", "fixtures/basic")
	write := func(name, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(e.dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(e.dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const config = `
resource "null_resource" "n" { count = %d }
module "m" { source = "./mod" }
data "local_file" "in" { filename = "${path.module}/in.txt" }
resource "local_file" "f" {
  filename = "${path.module}/out/f.txt"
  content  = data.local_file.in.content
}
resource "terraform_data" "u" { input = "%s" }
`
	write("in.txt", "hello\n")
	write("mod/main.tf", `resource "null_resource" "x" { for_each = toset(["b", "a", "c"]) }`+"\n")
	write("main.tf", fmt.Sprintf(config, 12, "v1"))
	e.run([]int{0}, "init", "-input=false")

	plan := func(name string) (planout.Stream, *tfjson.Plan) {
		t.Helper()
		events := filepath.Join(t.TempDir(), "events.jsonl")
		e.run([]int{0, 2}, "plan", "-input=false", "-detailed-exitcode", "-out="+name, "-json-into="+events)
		f, err := os.Open(events)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		s, err := planout.ReadStream(f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, out := e.run([]int{0}, "show", "-json", name)
		var doc tfjson.Plan
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("show -json %s: %v", name, err)
		}
		return s, &doc
	}
	same := func(name string, s planout.Stream, doc *tfjson.Plan) {
		t.Helper()
		if !s.Complete {
			t.Fatalf("%s: the events are incomplete (%s), want complete", name, s.Why)
		}
		sum, res := planout.Summarize(doc)
		// plumb's order is the engine's: the document lists them so already.
		listed := map[string]bool{}
		for _, r := range res {
			listed[r.Address] = true
		}
		var docOrder, ours []string
		for _, rc := range doc.ResourceChanges {
			if listed[rc.Address] {
				docOrder = append(docOrder, rc.Address)
			}
		}
		for _, r := range res {
			ours = append(ours, r.Address)
		}
		if !reflect.DeepEqual(docOrder, ours) {
			t.Errorf("%s: plumb orders the resources %v, the engine %v", name, ours, docOrder)
		}
		if s.Summary != sum || s.Drifted != len(doc.ResourceDrift) || !reflect.DeepEqual(s.Resources, res) {
			t.Errorf("%s: events say %+v, %d drifted, %v\nthe document says %+v, %d drifted, %v",
				name, s.Summary, s.Drifted, s.Resources, sum, len(doc.ResourceDrift), res)
		}
	}

	s, doc := plan("create.tfplan")
	same("create", s, doc)
	if len(s.Resources) != 17 {
		t.Errorf("create: %d resources, want 17 (12 counted, 3 in a module, a file, terraform_data)", len(s.Resources))
	}
	e.run([]int{0}, "apply", "-input=false", "create.tfplan")

	// Out of band: the file is deleted; in config: two counted instances go.
	if err := os.Remove(filepath.Join(e.dir, "out", "f.txt")); err != nil {
		t.Fatal(err)
	}
	write("main.tf", fmt.Sprintf(config, 10, "v1"))
	s, doc = plan("drift.tfplan")
	same("drift and delete", s, doc)
	if s.Drifted != 1 || s.Summary.Destroy != 2 || s.Summary.Add != 1 {
		t.Errorf("drift and delete: %+v, %d drifted; want 1 add, 2 destroy, 1 drifted", s.Summary, s.Drifted)
	}

	write("main.tf", fmt.Sprintf(config, 10, "v2"))
	s, _ = plan("update.tfplan")
	if s.Complete {
		t.Errorf("update: the events say they are complete, but an update's attributes are only in the document: %+v", s)
	}
}
