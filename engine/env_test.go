package engine

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testKey stands in for a GitHub App's PEM private key: only its shape
// (armour lines around long base64 lines) matters here.
const testKey = "-----BEGIN RSA PRIVATE KEY-----\n" +
	"MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n" +
	"VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n" +
	"-----END RSA PRIVATE KEY-----\n"

func TestEngineEnv(t *testing.T) {
	t.Parallel()
	const token = "ghp_plumbsowntoken0123456789"
	const dbURL = "postgres://plumb:db-pass-1234@db.internal:5432/plumb?sslmode=require"
	env := map[string]string{
		"PLUMB_GITHUB_TOKEN":    token,
		"PLUMB_WORKERS":         "2", // a setting, but plumb's: dropped by name
		"plumb_lowercase":       "x",
		"GITHUB_TOKEN":          token,
		"GH_TOKEN":              "ghp_someoneelsestoken", // the github provider's own
		"AWS_REGION":            "eu-west-1",
		"AWS_SECRET_ACCESS_KEY": "aws-secret-of-the-user",
		"TF_VAR_x":              "harmless",
		"TF_VAR_gh":             "Bearer " + token,
		"PGPASSWORD":            "db-pass-1234",
		"DSN_COPY":              "host=db password=db-pass-1234",
		"KEY_B64":               base64.StdEncoding.EncodeToString([]byte(strings.TrimSpace(testKey))),
		"KEY_ESCAPED":           strings.ReplaceAll(testKey, "\n", `\n`),
		"KEY_CRLF":              strings.ReplaceAll(testKey, "\n", "\r\n"),
		"PATH":                  "/usr/local/bin:/usr/bin:/bin",
	}
	kept, byValue := Environment(env, []string{token, dbURL, testKey, "", "ab"})
	var names []string
	for k := range kept {
		names = append(names, k)
	}
	slices.Sort(names)
	if diff := cmp.Diff([]string{"AWS_REGION", "AWS_SECRET_ACCESS_KEY", "GH_TOKEN", "PATH", "TF_VAR_x"}, names); diff != "" {
		t.Errorf("kept (-want +got):\n%s", diff)
	}
	want := []string{"DSN_COPY", "GITHUB_TOKEN", "KEY_B64", "KEY_CRLF", "KEY_ESCAPED", "PGPASSWORD", "TF_VAR_gh"}
	if diff := cmp.Diff(want, byValue); diff != "" {
		t.Errorf("dropped by value (-want +got):\n%s", diff)
	}
}

func TestCredentialsInEnv(t *testing.T) {
	t.Parallel()
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(keyFile, []byte(testKey), 0o600); err != nil {
		t.Fatal(err)
	}
	environ := []string{
		"PLUMB_GITHUB_TOKEN=tok-1234",
		"PLUMB_WEBHOOK_SECRET=hook-1234",
		"PLUMB_DATABASE_URL=postgres://u:pw-1234@db/plumb",
		"PLUMB_GITHUB_APP_PRIVATE_KEY_FILE=" + keyFile,
		"PLUMB_GITHUB_APP_KEY_FILE=/does/not/exist",
		"PLUMB_ADMIN_URL=https://admin:adm-1234@plumb.internal",
		"PLUMB_GITHUB_URL=https://ghe.example.com",    // a setting
		"PLUMB_SECRET_ENV=TF_VAR_db_password,VAULT_X", // names, not secrets
		"PLUMB_WORKERS=2",
		"PLUMB_LISTEN=",
		"GITHUB_TOKEN=not-plumbs-by-name",
	}
	want := []string{"tok-1234", "hook-1234", "postgres://u:pw-1234@db/plumb", testKey, "https://admin:adm-1234@plumb.internal"}
	if diff := cmp.Diff(want, CredentialsInEnv(environ)); diff != "" {
		t.Errorf("CredentialsInEnv (-want +got):\n%s", diff)
	}
}

func TestCredentialForms(t *testing.T) {
	t.Parallel()
	forms := CredentialForms(" secret-1234\n", "postgres://u:p%40ss-1234@db/x", "abc")
	for _, want := range []string{" secret-1234\n", "secret-1234", base64.StdEncoding.EncodeToString([]byte("secret-1234")), "p@ss-1234"} {
		if !slices.Contains(forms, want) {
			t.Errorf("forms lack %q: %q", want, forms)
		}
	}
	if slices.Contains(forms, "abc") {
		t.Errorf("a 3-byte value is below the redactor's threshold, yet a form: %q", forms)
	}
	for _, f := range CredentialForms(testKey) {
		if strings.HasPrefix(f, "-----BEGIN") && !strings.Contains(f, "\n") {
			t.Errorf("PEM armour %q is no secret", f)
		}
	}
}

// TestEngineVersionWithoutCredentials: asking a binary its version starts
// it, so that process gets no PLUMB_* variable nor their values either,
// and no variable a flag's credential could hide in.
func TestEngineVersionWithoutCredentials(t *testing.T) {
	dir := t.TempDir()
	dump := filepath.Join(dir, "env")
	bin := filepath.Join(dir, "tofu")
	script := "#!/bin/sh\n/usr/bin/env > " + dump + "\necho '{\"terraform_version\": \"1.10.6\"}'\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PLUMB_GITHUB_TOKEN", "ghp_probe-token-5555")
	t.Setenv("GITHUB_TOKEN", "ghp_probe-token-5555")
	t.Setenv("HOOK_COPY", "flag-given-secret") // a flag's value: unknown to the probe
	t.Setenv("HOME", "/home/ghp_probe-token-5555")
	v, err := binaryVersion(context.Background(), bin)
	if err != nil || v.String() != "1.10.6" {
		t.Fatalf("version %v, %v", v, err)
	}
	b, err := os.ReadFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); strings.Contains(got, "ghp_probe-token-5555") || strings.Contains(got, "PLUMB_") || strings.Contains(got, "flag-given-secret") || !strings.Contains(got, "PATH=") {
		t.Errorf("the version probe's environment:\n%s", got)
	}
}

// A credential stored base64-encoded is found whether it was encoded with
// its trailing newline or without, whatever its length modulo 3 (the
// encodings then differ in their last group).
func TestCredentialFormsFindBase64WithOrWithoutNewline(t *testing.T) {
	for _, key := range []string{"0123456789abcdefghij", "0123456789abcdefghijk", "0123456789abcdefghijkl"} {
		forms := CredentialForms(key + "\n")
		for _, stored := range []string{key, key + "\n", key + "\r\n"} {
			enc := base64.StdEncoding.EncodeToString([]byte(stored))
			if !slices.ContainsFunc(forms, func(f string) bool { return strings.Contains(enc, f) }) {
				t.Errorf("base64 of %q (%s) holds no form of the credential: %q", stored, enc, forms)
			}
		}
	}
}
