package runner

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-exec/tfexec"
)

// The seeded version must answer terraform-exec's own version checks
// without starting the engine: the binary here does not exist, so any
// attempt to run it fails the test.
func TestSeedVersion(t *testing.T) {
	tf, err := tfexec.NewTerraform(t.TempDir(), filepath.Join(t.TempDir(), "no-such-tofu"))
	if err != nil {
		t.Fatal(err)
	}
	want := version.Must(version.NewVersion("1.10.6"))
	if !seedVersion(tf, want) {
		t.Fatal("seedVersion found no version cache in terraform-exec: it was renamed or retyped; update seedVersion")
	}
	got, _, err := tf.Version(context.Background(), false)
	if err != nil {
		t.Fatalf("terraform-exec started the engine despite the seeded version: %v", err)
	}
	if !got.Equal(want) {
		t.Fatalf("version = %s, want %s", got, want)
	}
}
