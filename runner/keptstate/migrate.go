package keptstate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/engine"
)

// Outcome is what migrating one project did.
type Outcome string

const (
	Migrated Outcome = "migrated"
	Already  Outcome = "already there"
	Refused  Outcome = "refused"
)

// Migration is one project's state to move into a shared backend.
type Migration struct {
	Project Project
	Bin     engine.Binary
	// Env is the engines' environment (plugin cache, CLI config, the AWS
	// chain); Where.Env is added to it.
	Env map[string]string
	// Scratch is an empty directory of the migration's own.
	Scratch string
	Log     io.Writer // the engine's output
}

// Result is one project's migration.
type Result struct {
	Project    Project
	Names      []string // the projects of its directory
	Workspaces []string
	Outcome    Outcome
	Detail     string // for people: where the state is now, or why not
}

// snapshot is what tells two states apart. The engine's migration into a
// remote backend does not keep the lineage (measured: tofu 1.10.6 gives
// the copy a new one), so a copy is known by its content (resources and
// outputs), and a later one by the lineage recorded when it was made.
type snapshot struct {
	Lineage string `json:"lineage"`
	Serial  int64  `json:"serial"`
	Content string `json:"content"` // sha256 of resources and outputs, canonical JSON
}

// record is what a migration leaves in the state dir: per target and
// workspace, the data dir's state it copied and the copy it made.
type record map[string]map[string]struct{ Local, Copy snapshot }

const recordFile = "plumb-migrated.json"

// Migrate copies m's workspaces from the data dir into w with the
// engine's own `init -migrate-state -force-copy`, once w is checked to
// hold none of them, or the same ones (Already: nothing is copied again;
// also when they were applied there since this command copied them). A
// workspace w holds another state of is Refused, since force-copy would
// overwrite it; so is one the data dir changed since it was copied. The
// data dir's copy is left as it was.
func (w Where) Migrate(ctx context.Context, m Migration) (Result, error) {
	res := Result{Project: m.Project}
	local, err := localStates(m.Project.LocalDir)
	if err != nil || len(local) == 0 {
		return res, err
	}
	for ws := range local {
		res.Workspaces = append(res.Workspaces, ws)
	}
	sort.Strings(res.Workspaces)
	check, err := w.engineIn(ctx, m, "check", w)
	if err != nil {
		return res, err
	}
	remote, err := pull(ctx, check, res.Workspaces)
	if err != nil {
		return res, err
	}
	done := readRecord(m.Project.LocalDir)[w.recordKey(m.Project)]
	var absent, movedOn []string
	for _, ws := range res.Workspaces {
		l, r, was := local[ws], remote[ws], done[ws]
		switch {
		case r == nil:
			absent = append(absent, ws)
		case r.Content == l.Content:
		case was.Copy.Lineage == r.Lineage && was.Local == *l:
			movedOn = append(movedOn, ws) // applied on the shared backend since
		case was.Copy.Lineage == r.Lineage:
			res.Outcome, res.Detail = Refused, fmt.Sprintf("the data dir's state of workspace %s changed since it was copied to %s: was it applied without --state-url since?", ws, w.Locate(m.Project))
			return res, nil
		default:
			res.Outcome, res.Detail = Refused, fmt.Sprintf("%s already holds another state of workspace %s", w.Locate(m.Project), ws)
			return res, nil
		}
	}
	switch {
	case len(absent) == 0:
		res.Outcome, res.Detail = Already, w.Locate(m.Project)
		return res, nil
	case len(movedOn) > 0:
		// The engine copies every workspace: it would put these back.
		res.Outcome, res.Detail = Refused, fmt.Sprintf("workspaces %v moved on in %s since an earlier migration, and %v are not there: migrate those by hand", movedOn, w, absent)
		return res, nil
	}
	if err := w.copyState(ctx, m); err != nil {
		return res, err
	}
	// Trust the engine's copy only once it reads back as the data dir's.
	if remote, err = pull(ctx, check, res.Workspaces); err != nil {
		return res, err
	}
	rec := readRecord(m.Project.LocalDir)
	key := w.recordKey(m.Project)
	rec[key] = map[string]struct{ Local, Copy snapshot }{}
	for _, ws := range res.Workspaces {
		r := remote[ws]
		if r == nil || r.Content != local[ws].Content {
			return res, fmt.Errorf("workspace %s: the engine's copy in %s does not read back as the data dir's state", ws, w.Locate(m.Project))
		}
		rec[key][ws] = struct{ Local, Copy snapshot }{*local[ws], *r}
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return res, err
	}
	if err := os.WriteFile(filepath.Join(m.Project.LocalDir, recordFile), b, 0o600); err != nil {
		return res, err
	}
	res.Outcome, res.Detail = Migrated, w.Locate(m.Project)
	return res, nil
}

// recordKey names where p's state went, without the pg URL's credentials.
func (w Where) recordKey(p Project) string {
	if u, err := url.Parse(w.url); err == nil && w.kind == "pg" {
		return "postgres://" + u.Host + u.Path + " " + w.Locate(p)
	}
	return w.Locate(p)
}

func readRecord(dir string) record {
	rec := record{}
	if b, err := os.ReadFile(filepath.Join(dir, recordFile)); err == nil {
		_ = json.Unmarshal(b, &rec) // unreadable: as if none, so nothing counts as copied
	}
	return rec
}

// copyState inits a scratch root module on the data dir's local backend,
// then points it at w and lets the engine migrate every workspace.
func (w Where) copyState(ctx context.Context, m Migration) error {
	tf, err := w.engineIn(ctx, m, "copy", Where{})
	if err != nil {
		return err
	}
	body, err := w.Override(m.Project, m.Bin)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tf.WorkingDir(), "backend.tf"), body, 0o600); err != nil {
		return err
	}
	if err := tf.Init(ctx, tfexec.ForceCopy(true)); err != nil { // -force-copy implies -migrate-state
		return fmt.Errorf("%s init -migrate-state -force-copy: %w", m.Bin.Engine, err)
	}
	return nil
}

// engineIn inits a root module of only backend's configuration in
// m.Scratch/name, with w's environment.
func (w Where) engineIn(ctx context.Context, m Migration, name string, backend Where) (*tfexec.Terraform, error) {
	dir := filepath.Join(m.Scratch, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	body, err := backend.Override(m.Project, m.Bin)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "backend.tf"), body, 0o600); err != nil {
		return nil, err
	}
	tf, err := tfexec.NewTerraform(dir, m.Bin.Path)
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	for k, v := range m.Env {
		env[k] = v
	}
	for k, v := range w.Env() {
		env[k] = v
	}
	env["TF_DATA_DIR"] = filepath.Join(dir, ".tfdata")
	if err := tf.SetEnv(tfexec.CleanEnv(env)); err != nil {
		return nil, err
	}
	if m.Log != nil {
		tf.SetStdout(m.Log)
		tf.SetStderr(m.Log)
	}
	if err := tf.Init(ctx); err != nil {
		return nil, fmt.Errorf("%s init (%s): %w", m.Bin.Engine, backend, err)
	}
	return tf, nil
}

// pull reads each workspace's state through the engine: nil when it has none.
func pull(ctx context.Context, tf *tfexec.Terraform, workspaces []string) (map[string]*snapshot, error) {
	have, _, err := tf.WorkspaceList(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]*snapshot{}
	for _, ws := range workspaces {
		if !slices.Contains(have, ws) {
			continue
		}
		if err := tf.WorkspaceSelect(ctx, ws); err != nil {
			return nil, err
		}
		raw, err := tf.StatePull(ctx)
		if err != nil {
			return nil, fmt.Errorf("workspace %s: state pull: %w", ws, err)
		}
		if raw == "" {
			continue
		}
		s, err := parseState([]byte(raw))
		if err != nil {
			return nil, fmt.Errorf("workspace %s: state pull: %w", ws, err)
		}
		if s.Lineage != "" { // without one, what the backend made for a workspace never written
			out[ws] = s
		}
	}
	return out, nil
}

// localStates reads the data dir's state of each workspace of dir, laid
// out as the local backend keeps it (Where{}.Override).
func localStates(dir string) (map[string]*snapshot, error) {
	files := map[string]string{plumb.DefaultWorkspace: filepath.Join(dir, "terraform.tfstate")}
	entries, err := os.ReadDir(filepath.Join(dir, "workspaces"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() {
			files[e.Name()] = filepath.Join(dir, "workspaces", e.Name(), "terraform.tfstate")
		}
	}
	out := map[string]*snapshot{}
	for ws, f := range files {
		b, err := os.ReadFile(f)
		if errors.Is(err, fs.ErrNotExist) || err == nil && len(b) == 0 {
			continue
		}
		if err != nil {
			return nil, err
		}
		s, err := parseState(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out[ws] = s
	}
	return out, nil
}

// parseState reads a state file's snapshot; Content ignores key order
// and spacing, which differ between backends.
func parseState(b []byte) (*snapshot, error) {
	var f struct {
		Lineage   string `json:"lineage"`
		Serial    int64  `json:"serial"`
		Resources any    `json:"resources"`
		Outputs   any    `json:"outputs"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	canon, err := json.Marshal([]any{f.Resources, f.Outputs})
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(canon)
	return &snapshot{Lineage: f.Lineage, Serial: f.Serial, Content: hex.EncodeToString(sum[:])}, nil
}
