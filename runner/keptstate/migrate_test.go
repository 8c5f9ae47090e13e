package keptstate

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/engine"
	"github.com/plumbhq/plumb/internal/pgtest"
	"github.com/plumbhq/plumb/internal/s3test"
	"github.com/plumbhq/plumb/internal/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// terraform_data is built into the engine: these tests need no provider.
const config = `resource "terraform_data" "x" { input = "v1" }` + "\n"

type world struct {
	t   *testing.T
	bin engine.Binary
	env map[string]string
	p   Project
}

func newWorld(t *testing.T) *world {
	tl := testenv.Load(t)
	env := map[string]string{}
	for _, kv := range testenv.Env(t) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return &world{t: t, env: env,
		bin: engine.Binary{Engine: plumb.EngineTofu, Path: tl.Path(t, testenv.DefaultTofu), Version: version.Must(version.NewVersion(testenv.DefaultTofu.Version))},
		p:   Project{Repo: "acme/infra", Dir: "envs/dev", Key: "acme-infra_envs-dev-1234abcd", LocalDir: filepath.Join(t.TempDir(), "state")}}
}

// engine is the engine in a fresh root module of config on w's backend.
func (w *world) engine(where Where) *tfexec.Terraform {
	w.t.Helper()
	dir := w.t.TempDir()
	body, err := where.Override(w.p, w.bin)
	if err != nil {
		w.t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600)
	os.WriteFile(filepath.Join(dir, "backend.tf"), body, 0o600)
	tf, err := tfexec.NewTerraform(dir, w.bin.Path)
	if err != nil {
		w.t.Fatal(err)
	}
	env := map[string]string{"TF_DATA_DIR": filepath.Join(dir, ".tfdata")}
	for k, v := range w.env {
		env[k] = v
	}
	for k, v := range where.Env() {
		env[k] = v
	}
	if err := tf.SetEnv(tfexec.CleanEnv(env)); err != nil {
		w.t.Fatal(err)
	}
	if err := tf.Init(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	return tf
}

// applyLocal writes kept state in the data dir, as plumb's runs do: the
// default workspace and staging.
func (w *world) applyLocal() {
	w.t.Helper()
	ctx := context.Background()
	tf := w.engine(Where{})
	if err := tf.Apply(ctx); err != nil {
		w.t.Fatal(err)
	}
	if err := tf.WorkspaceNew(ctx, "staging"); err != nil {
		w.t.Fatal(err)
	}
	if err := tf.Apply(ctx); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) migrate(to Where) Result {
	w.t.Helper()
	res, err := to.Migrate(context.Background(), Migration{Project: w.p, Bin: w.bin, Env: w.env, Scratch: w.t.TempDir()})
	if err != nil {
		w.t.Fatal(err)
	}
	return res
}

// The engine copies both workspaces into the shared backend, where a plan
// of each has nothing to do; a second migration copies nothing; another
// state of the same project (another lineage) is refused, not copied
// over the first.
func TestMigrate(t *testing.T) {
	t.Parallel()
	for name, target := range map[string]func(t *testing.T) Where{
		"postgres": func(t *testing.T) Where {
			w, err := Parse(pgtest.URL(t), S3{}, os.Getenv)
			if err != nil {
				t.Fatal(err)
			}
			return w
		},
		"s3": func(t *testing.T) Where {
			w, err := Parse("s3://"+s3test.Bucket(t)+"/state", S3{Endpoint: s3test.Endpoint(t), PathStyle: true}, func(string) string { return "" })
			if err != nil {
				t.Fatal(err)
			}
			return w
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			to := target(t) // first: s3test exports MinIO's credentials, which w's environment copies
			w := newWorld(t)
			w.applyLocal()
			res := w.migrate(to)
			if res.Outcome != Migrated || strings.Join(res.Workspaces, ",") != "default,staging" {
				t.Fatalf("migrate: %+v", res)
			}
			tf := w.engine(to)
			for _, ws := range []string{"default", "staging"} {
				if err := tf.WorkspaceSelect(context.Background(), ws); err != nil {
					t.Fatalf("workspace %s in %s: %v", ws, to, err)
				}
				if changes, err := tf.Plan(context.Background()); err != nil || changes {
					t.Errorf("plan of %s on %s after migrating: changes %v, %v; want none", ws, to, changes, err)
				}
			}
			if again := w.migrate(to); again.Outcome != Already {
				t.Errorf("migrate again: %+v, want %s", again, Already)
			}
			// Applied on the shared backend since: still nothing to copy.
			if err := tf.Apply(context.Background(), tfexec.Replace("terraform_data.x")); err != nil {
				t.Fatal(err)
			}
			if again := w.migrate(to); again.Outcome != Already {
				t.Errorf("migrate after an apply on %s: %+v, want %s", to, again, Already)
			}
			w.p.LocalDir = filepath.Join(t.TempDir(), "state") // another data dir, the same project
			w.applyLocal()
			if other := w.migrate(to); other.Outcome != Refused || !strings.Contains(other.Detail, "another state of workspace") {
				t.Errorf("migrate another state: %+v, want refused", other)
			}
		})
	}
}
