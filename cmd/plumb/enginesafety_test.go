package main

import (
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/testenv"
	"github.com/plumbhq/plumb/vcs/githubtest"
)

// envRecorder writes a `tofu` into a new bin dir that records each
// invocation's environment (one file each in the returned dir) and then
// execs the real tofu, so it reports the real version and does the real
// work: plumb picks it over the PATH one of the same version because
// --bin-dir is searched first.
func envRecorder(t *testing.T) (binDir, dumps string) {
	t.Helper()
	binDir, dumps = t.TempDir(), t.TempDir()
	// The engine may get no PATH at all: the script names every program.
	envBin, err := exec.LookPath("env")
	if err != nil {
		t.Fatal(err)
	}
	mktemp, err := exec.LookPath("mktemp")
	if err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\nf=$(" + mktemp + " " + dumps + "/env.XXXXXX)\n" + envBin + " > \"$f\"\nexec " + testenv.Load(t).Tofu + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(binDir, "tofu"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return binDir, dumps
}

// TestServeEnginesNeverSeePlumbCredentials runs the real plumb serve with
// its credentials in the environment under their own names and copied
// into other variables, plans a pull request with a tofu that records its
// environment, and checks that no engine process (the version probe,
// init, plan, show) saw a PLUMB_* variable or any of the values, while the
// user's own variables got through.
func TestServeEnginesNeverSeePlumbCredentials(t *testing.T) {
	t.Parallel()
	w := newGitHubWorld(t)
	binDir, dumps := envRecorder(t)
	token := w.gh.Token()
	const dbPassword = "pg-pass-e2e-7f3a91"
	dbURL := "postgres://plumb:" + dbPassword + "@db.internal:5432/plumb?sslmode=require"
	key := string(w.gh.AppKey())
	keyLines := strings.Split(strings.TrimSpace(key), "\n")
	secrets := map[string]string{
		"token": token, "webhook secret (flag)": githubtest.Secret, "webhook secret (env)": testSecret,
		"database URL": dbURL, "database password": dbPassword, "App key body": keyLines[1],
	}
	env := append(testenv.Env(t), "TF_VAR_out_dir="+t.TempDir(),
		"PLUMB_GITHUB_TOKEN="+token,
		"GITHUB_TOKEN="+token, // the same token under the name the github provider reads
		// Not --database-url's own variable (serve would connect to it):
		// any PLUMB_* variable is plumb's credential.
		"PLUMB_E2E_DATABASE_URL="+dbURL,
		"PGPASSWORD="+dbPassword,
		// Not the App flag's name (serve would then have a token and an
		// App): any PLUMB_* name holding a key is plumb's credential.
		"PLUMB_E2E_APP_PRIVATE_KEY="+key,
		"GITHUB_APP_PRIVATE_KEY="+key,
		"GITHUB_APP_KEY_B64="+base64.StdEncoding.EncodeToString([]byte(key)),
		"HOOK_COPY=x-"+githubtest.Secret, // the flag-given secret, inside another value
		// The user's own: they must reach the engine.
		"AWS_REGION=eu-west-1",
		"GH_TOKEN=ghp_the-users-own-provider-token",
	)
	s := startServe(t, t.TempDir(), env, "--webhook-secret", githubtest.Secret, "--github-url", w.gh.EnterpriseURL(), "--bin-dir", binDir)

	head := w.push("label", "modules/label/main.tf", "variable \"env\" {\n  type = string\n}\n\noutput \"name\" {\n  value = \"svc-${var.env}\"\n}\n")
	if resp := githubtest.Deliver(t, s.url("/events"), "pull_request", w.payload("opened", 7, "label", head, false)); resp.StatusCode != 202 {
		t.Fatalf("delivery: HTTP %d", resp.StatusCode)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if cs := w.comments(7); len(cs) == 1 && strings.Contains(cs[0].Body, "module.app.local_file.config") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("PR #7 not planned within 2m: %+v", w.comments(7))
		}
	}
	s.stop(syscall.SIGTERM)

	files, _ := filepath.Glob(filepath.Join(dumps, "env.*"))
	// The probe, then init, plan and show for each of app-dev and app-prod.
	if len(files) < 7 {
		t.Fatalf("the wrapper tofu ran %d times, want the probe and every run step: did plumb pick another tofu?", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got := string(b)
		for _, line := range strings.Split(got, "\n") {
			name, _, _ := strings.Cut(line, "=")
			if strings.HasPrefix(strings.ToUpper(name), "PLUMB_") || name == "GITHUB_TOKEN" || strings.HasPrefix(name, "GITHUB_APP_") || name == "PGPASSWORD" || name == "HOOK_COPY" {
				t.Errorf("%s: the engine saw %s", filepath.Base(f), name)
			}
		}
		for what, v := range secrets {
			if strings.Contains(got, v) {
				t.Errorf("%s: the engine saw plumb's %s", filepath.Base(f), what)
			}
		}
	}
	// The probe needs no provider credentials and gets none; every run does.
	runs := 0
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if strings.Contains(string(b), "TF_DATA_DIR=") {
			runs++
			for _, want := range []string{"AWS_REGION=eu-west-1", "GH_TOKEN=ghp_the-users-own-provider-token"} {
				if !strings.Contains(string(b), want+"\n") {
					t.Errorf("%s: the engine lacks the user's %s", filepath.Base(f), want)
				}
			}
		}
	}
	if runs == 0 {
		t.Error("no recorded environment is a run's (TF_DATA_DIR set)")
	}
}

// TestPlumbCredentialsRedacted: plumb's credentials in PLUMB_* variables
// are redacted from everything plumb prints, logs or stores, whether or not
// a flag reads them yet (the database URL), in every form they may take.
func TestPlumbCredentialsRedacted(t *testing.T) {
	t.Parallel()
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	key := "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END RSA PRIVATE KEY-----\n"
	if err := os.WriteFile(keyFile, []byte(key), 0o600); err != nil {
		t.Fatal(err)
	}
	environ := []string{
		"PLUMB_DATABASE_URL=postgres://plumb:db-pw-31337@db/plumb",
		"PLUMB_GITHUB_APP_PRIVATE_KEY_FILE=" + keyFile,
		"PLUMB_GITHUB_TOKEN=ghp_redact-me-4242",
	}
	m := &Main{Redactor: plumb.NewRedactor(), Getenv: func(string) string { return "" }, Environ: func() []string { return environ }}
	m.learnSecrets()
	for _, s := range []string{"postgres://plumb:db-pw-31337@db/plumb", "db-pw-31337", "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun", "ghp_redact-me-4242"} {
		if got := m.Redactor.String("x " + s + " y"); got != "x "+plumb.Redacted+" y" {
			t.Errorf("not redacted: %q", got)
		}
	}
	if got := m.Redactor.String(keyFile); got != keyFile {
		t.Errorf("the key file's path is no secret, yet redacted: %q", got)
	}
	creds := m.plumbCredentials("flag-given-secret")
	if !slices.Contains(creds, "flag-given-secret") || m.Redactor.String("flag-given-secret") != plumb.Redacted {
		t.Errorf("a credential given as a flag is neither passed on nor redacted: %q", creds)
	}
}
