package keptstate

import (
	"strings"
	"testing"

	"github.com/hashicorp/go-version"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/engine"
)

func env(kv ...string) func(string) string {
	return func(k string) string {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i] == k {
				return kv[i+1]
			}
		}
		return ""
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		url    string
		s3     S3
		env    func(string) string
		shared bool
		err    string
	}{
		{url: "", shared: false},
		{url: "postgres://u:p@db/plumb", shared: true},
		{url: "postgresql://db/plumb", shared: true},
		{url: "s3://bucket/prefix", env: env("AWS_REGION", "eu-west-1"), shared: true},
		{url: "s3://bucket", s3: S3{Endpoint: "http://minio:9000"}, shared: true},
		{url: "s3://bucket/prefix", err: "set AWS_REGION"},
		{url: "s3:///prefix", env: env("AWS_REGION", "x"), err: "s3://bucket/prefix"},
		{url: "gs://bucket", err: "want postgres://… or s3://bucket/prefix"},
	} {
		get := tc.env
		if get == nil {
			get = env()
		}
		w, err := Parse(tc.url, tc.s3, get)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || plumb.ErrorCode(err) != plumb.EINVALID {
				t.Errorf("Parse(%q) = %v, want EINVALID %q", tc.url, err, tc.err)
			}
			continue
		}
		if err != nil || w.Shared() != tc.shared {
			t.Errorf("Parse(%q) = shared %v, %v; want shared %v", tc.url, w.Shared(), err, tc.shared)
		}
	}
}

func tofu(v string) engine.Binary {
	return engine.Binary{Engine: plumb.EngineTofu, Path: "/bin/tofu", Version: version.Must(version.NewVersion(v))}
}

// The pg schema and the local paths are where existing deployments keep
// their state: they must not move.
func TestOverrideKeepsExistingPlaces(t *testing.T) {
	p := Project{Repo: "acme/infra", Dir: "envs/dev", Key: "acme-infra_envs-dev-12345678", LocalDir: "/data/state/acme-infra_envs-dev-12345678"}
	pg, _ := Parse("postgres://db/plumb", S3{}, env())
	body, err := pg.Override(p, tofu("1.6.3"))
	if err != nil || !strings.Contains(string(body), `schema_name = "plumb_state_ab10f149a0812c5913a3"`) {
		t.Errorf("pg override:\n%s %v", body, err)
	}
	body, err = Where{}.Override(p, tofu("1.6.3"))
	if err != nil || !strings.Contains(string(body), `path          = "/data/state/acme-infra_envs-dev-12345678/terraform.tfstate"`) {
		t.Errorf("local override:\n%s %v", body, err)
	}
}

func TestOverrideS3(t *testing.T) {
	p := Project{Repo: "acme/infra", Dir: "envs/dev", Key: "k-1"}
	w, _ := Parse("s3://bucket/team/state", S3{Endpoint: "http://127.0.0.1:9000", PathStyle: true}, env())
	body, err := w.Override(p, tofu("1.10.6"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`key                          = "team/state/k-1/terraform.tfstate"`, `use_lockfile                 = true`,
		`endpoints                    = { s3 = "http://127.0.0.1:9000" }`, `use_path_style               = true`, `region                       = "us-east-1"`,
		`workspace_key_prefix         = "team/state/k-1/workspaces"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("s3 override lacks %s:\n%s", want, body)
		}
	}
	if got := w.Locate(p); got != "s3://bucket/team/state/k-1/terraform.tfstate" {
		t.Errorf("Locate = %s", got)
	}
	// Before 1.10 the s3 backend locks only with DynamoDB: no lock, no s3.
	tf := engine.Binary{Engine: plumb.EngineTerraform, Version: version.Must(version.NewVersion("1.5.7"))}
	if _, err := w.Override(p, tf); err == nil || !strings.Contains(err.Error(), "use_lockfile needs 1.10") {
		t.Errorf("terraform 1.5.7 with s3 state: %v, want refused", err)
	}
}
