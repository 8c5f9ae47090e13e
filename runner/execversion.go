package runner

import (
	"reflect"
	"unsafe"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-exec/tfexec"
)

// seedVersion hands terraform-exec the version plumb already learnt when it
// found the binary (FindEngines). Otherwise terraform-exec starts the engine
// once more in every run, `version -json`, only to check flag compatibility
// before its first command: for tofu that is a whole engine start-up, about
// 0.15 s of CPU per project, the largest cost plumb added to a plan after
// `show -json`.
//
// terraform-exec keeps that answer in an unexported cache with no setter,
// so this fills the field through reflection before the instance is used.
// If an upgrade renames or retypes the field nothing is seeded and
// terraform-exec asks the engine as before; TestSeedVersion fails then, so
// the slower path does not go unnoticed.
func seedVersion(tf *tfexec.Terraform, v *version.Version) bool {
	if tf == nil || v == nil {
		return false
	}
	f := reflect.ValueOf(tf).Elem().FieldByName("execVersion")
	if !f.IsValid() || f.Type() != reflect.TypeOf(v) {
		return false
	}
	reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Set(reflect.ValueOf(v))
	return true
}
