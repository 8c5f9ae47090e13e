package keptstate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"strings"

	"github.com/hashicorp/go-version"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/engine"
	"github.com/plumbhq/plumb/runner/rootmod"
)

// S3 is how to reach an S3-compatible server, as the --s3-* flags say
// (the artifact store's); credentials come from the AWS chain.
type S3 struct {
	Endpoint  string // base URL; "" is AWS
	PathStyle bool
}

// Where is where kept state lives; the zero value is the data dir.
type Where struct {
	kind   string // "", "pg" or "s3"
	url    string
	bucket string
	prefix string
	s3     S3
	region string // written only when the environment names none
}

// Project is one project directory whose state plumb keeps.
type Project struct {
	Repo, Dir string
	// Key is its state's directory name in the data dir, which names its
	// objects in a bucket too, so either place reads the same.
	Key string
	// LocalDir is its state directory in the data dir.
	LocalDir string
}

// lockfileSince is the first release of both engines whose s3 backend
// locks with a lock object (use_lockfile); before it, only DynamoDB.
var lockfileSince = version.Must(version.NewVersion("1.10.0"))

// Parse reads a --state-url: "" (the data dir), postgres://… or
// s3://bucket/prefix. getenv reads the engines' environment: without an
// AWS region in it, a custom endpoint gets us-east-1 (what S3-compatible
// servers answer to), and AWS itself is refused rather than guessed.
func Parse(raw string, s3 S3, getenv func(string) string) (Where, error) {
	switch {
	case raw == "":
		return Where{}, nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		return Where{kind: "pg", url: raw}, nil
	case !strings.HasPrefix(raw, "s3://"):
		return Where{}, plumb.Errorf(plumb.EINVALID, "want postgres://… or s3://bucket/prefix")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.RawQuery != "" {
		return Where{}, plumb.Errorf(plumb.EINVALID, "want s3://bucket/prefix")
	}
	w := Where{kind: "s3", url: raw, bucket: u.Host, prefix: strings.Trim(u.Path, "/"), s3: s3}
	if getenv("AWS_REGION") == "" && getenv("AWS_DEFAULT_REGION") == "" {
		if s3.Endpoint == "" {
			return Where{}, plumb.Errorf(plumb.EINVALID, "%s: set AWS_REGION to the bucket's region", raw)
		}
		w.region = "us-east-1"
	}
	return w, nil
}

// Backend is what w's engines reach, for a readiness check to reach too:
// Kind "pg" with its URL, "s3" with the bucket and how to reach the
// server, or "" for the data dir.
type Backend struct {
	Kind, URL      string
	Bucket, Region string
	S3             S3
}

// Backend says what w's engines reach.
func (w Where) Backend() Backend {
	return Backend{Kind: w.kind, URL: w.url, Bucket: w.bucket, Region: w.region, S3: w.s3}
}

// Shared says whether every replica reads the same state (not the data dir).
func (w Where) Shared() bool { return w.kind != "" }

// Env is what the engine needs in its environment beyond the AWS chain:
// the pg backend's connection string, which is a credential.
func (w Where) Env() map[string]string {
	if w.kind == "pg" {
		return map[string]string{"PG_CONN_STR": w.url}
	}
	return nil
}

// Secret is the part of Where to redact ("" when none).
func (w Where) Secret() string {
	if w.kind == "pg" {
		return w.url
	}
	return ""
}

// String names the place for people; never the pg URL, which may carry a
// password.
func (w Where) String() string {
	switch w.kind {
	case "pg":
		return "postgres (the pg backend)"
	case "s3":
		return w.url
	}
	return "the data dir"
}

// Locate says where p's default workspace state lives in w.
func (w Where) Locate(p Project) string {
	switch w.kind {
	case "pg":
		return "schema " + pgSchema(p)
	case "s3":
		return "s3://" + w.bucket + "/" + w.key(p)
	}
	return filepath.Join(p.LocalDir, "terraform.tfstate")
}

// pgSchema is p's schema, one per repo and directory: kept as it was when
// pg was the only shared backend, so existing state stays found.
func pgSchema(p Project) string {
	sum := sha256.Sum256([]byte(p.Repo + "\x00" + p.Dir))
	return "plumb_state_" + hex.EncodeToString(sum[:10])
}

func (w Where) key(p Project) string { return path.Join(w.prefix, p.Key, "terraform.tfstate") }

// Override is the backend configuration plumb writes beside a project
// without a backend (rootmod.BackendOverride), for the engine bin. EINVALID
// when bin cannot lock state in w.
func (w Where) Override(p Project, bin engine.Binary) ([]byte, error) {
	var b strings.Builder
	b.WriteString("# Written by plumb into its own worktree: this project has no backend, so\n")
	switch w.kind {
	case "":
		fmt.Fprintf(&b, "# plumb keeps its state. Never committed.\nterraform {\n  backend \"local\" {\n    path          = %s\n    workspace_dir = %s\n  }\n}\n",
			rootmod.HCLString(filepath.Join(p.LocalDir, "terraform.tfstate")), rootmod.HCLString(filepath.Join(p.LocalDir, "workspaces")))
	case "pg":
		fmt.Fprintf(&b, "# plumb keeps its state in the pg backend every replica shares. Never committed.\nterraform {\n  backend \"pg\" {\n    schema_name = %q\n  }\n}\n", pgSchema(p))
	case "s3":
		if bin.Version == nil || bin.Version.Core().LessThan(lockfileSince) {
			return nil, plumb.Errorf(plumb.EINVALID, "%s %s cannot lock state in S3 (use_lockfile needs 1.10 or later): use a newer engine, or --state-url postgres://…", bin.Engine, bin.VersionString())
		}
		b.WriteString("# plumb keeps its state in the s3 backend every replica shares. Never committed.\nterraform {\n  backend \"s3\" {\n")
		attr := func(k, v string) { fmt.Fprintf(&b, "    %-28s = %s\n", k, v) }
		attr("bucket", rootmod.HCLString(w.bucket))
		attr("key", rootmod.HCLString(w.key(p)))
		attr("workspace_key_prefix", rootmod.HCLString(path.Join(w.prefix, p.Key, "workspaces")))
		attr("use_lockfile", "true")
		if w.region != "" {
			attr("region", rootmod.HCLString(w.region))
		}
		if w.s3.Endpoint != "" {
			// An S3-compatible server has no STS or IAM to ask who we are,
			// and may name its region anything.
			attr("endpoints", "{ s3 = "+rootmod.HCLString(w.s3.Endpoint)+" }")
			attr("skip_credentials_validation", "true")
			attr("skip_requesting_account_id", "true")
			attr("skip_region_validation", "true")
		}
		if w.s3.PathStyle {
			attr("use_path_style", "true")
		}
		b.WriteString("  }\n}\n")
	}
	return []byte(b.String()), nil
}
