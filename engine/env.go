package engine

// What engines see (README-facing):
//
// plumb runs tofu and terraform with the environment it was started with,
// so the credentials a project's providers need (AWS_*, GOOGLE_*, ARM_*,
// TF_TOKEN_*, TF_VAR_*, which reach the engine as a 0600 var file) work as
// they do on a laptop. plumb's own credentials never reach an engine, nor
// the providers, external programs and local-exec provisioners it starts:
//
//   - by name: every PLUMB_* variable (plumb reads its settings and
//     credentials from those, besides flags and its config file);
//   - by value: any variable, whatever its name, whose value contains one
//     of plumb's credentials: the GitHub token or App private key, the
//     webhook secret, the database URL or its password. GITHUB_TOKEN set
//     to plumb's own token is dropped; GITHUB_TOKEN holding another token
//     (for the github provider, say) is passed on.
//
// Asking a binary its version (before a run, when plumb looks for engines)
// passes only what finding and starting it needs: PATH, HOME, the locale,
// TF_CLI_CONFIG_FILE and version managers' own variables.
//
// A variable dropped by value is named, never shown, in a warning, so a
// project that needed it fails with a reason instead of a mystery. The
// reason plumb is strict here: a pull request's code runs in the engine,
// and plumb's token can comment, set statuses and read every repository
// it is installed on.

import (
	"encoding/base64"
	"io"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// minCredentialLen is plumb.Redactor's threshold: a shorter value ("1",
// "yes") is no secret worth dropping half the environment for.
const minCredentialLen = 4

// minKeyLineLen is the shortest line of a multi-line credential (a PEM
// body line is 64 characters) matched on its own, so a key pasted with
// escaped newlines or CRLFs is still found.
const minKeyLineLen = 16

// maxCredentialFile bounds what a PLUMB_*_FILE credential variable's file
// is read for: a key or token, never a large file.
const maxCredentialFile = 1 << 20

// isPlumbName says whether an environment variable is plumb's own. Linux
// names are case-sensitive, but a user's plumb_github_token is still
// plumb's.
func isPlumbName(name string) bool {
	return strings.HasPrefix(strings.ToUpper(name), "PLUMB_")
}

// credentialWords mark a PLUMB_* variable (by one of its _-separated
// words) as holding a credential rather than a setting.
var credentialWords = []string{"TOKEN", "SECRET", "PASSWORD", "PASSWD", "KEY", "PEM", "CREDENTIALS"}

// CredentialsInEnv returns the values of the PLUMB_* variables in environ
// that hold plumb's credentials, judged by name: a word such as TOKEN,
// SECRET, PASSWORD or KEY (PLUMB_GITHUB_TOKEN, PLUMB_WEBHOOK_SECRET,
// PLUMB_GITHUB_APP_PRIVATE_KEY), a database URL (PLUMB_DATABASE_URL), or a
// URL carrying a password. A name ending in _FILE or _PATH names a file:
// its content is the credential. Credentials given only as flags or in a
// config file are the caller's to add.
func CredentialsInEnv(environ []string) []string {
	var out []string
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || value == "" || !isPlumbName(name) {
			continue
		}
		words := strings.Split(strings.ToUpper(name), "_")[1:]
		// --secret-env is a list of other variables' names, not a secret.
		if slices.Equal(words, []string{"SECRET", "ENV"}) {
			continue
		}
		last := words[len(words)-1]
		isFile := last == "FILE" || last == "PATH"
		secret := slices.ContainsFunc(words, func(w string) bool { return slices.Contains(credentialWords, w) })
		isURL := slices.Contains(words, "URL") || slices.Contains(words, "DSN")
		switch {
		case secret && isFile:
			if b, err := readSmall(value); err == nil {
				out = append(out, string(b))
			}
		case secret || isURL && (slices.Contains(words, "DATABASE") || passwordOf(value) != ""):
			out = append(out, value)
		}
	}
	return out
}

func readSmall(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxCredentialFile))
}

// dsnPassword finds a password in a key=value DSN ("host=db password=x")
// or a URL's query ("?password=x").
var dsnPassword = regexp.MustCompile(`(?i)(?:^|[\s&?])password=([^\s&]+)`)

// passwordOf is the password a connection string carries, or "".
func passwordOf(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			return p
		}
	}
	if m := dsnPassword.FindStringSubmatch(s); m != nil {
		if p, err := url.QueryUnescape(m[1]); err == nil {
			return p
		}
		return m[1]
	}
	return ""
}

// CredentialForms returns every form in which the given credentials are
// looked for, in the environment and (cmd/plumb feeds them to the
// redactor) in output: each value and its trimmed self, its base64
// encoding (a key stored as GITHUB_APP_KEY_B64), each long line of a
// multi-line value (a PEM key pasted with \n escapes or CRLFs), and the
// password of a connection string (PGPASSWORD set to the database's).
// Forms shorter than the redactor's threshold are left out.
func CredentialForms(values ...string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string, min int) {
		if len(s) >= min && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, v := range values {
		t := strings.TrimSpace(v)
		add(v, minCredentialLen)
		add(t, minCredentialLen)
		if len(t) >= minCredentialLen {
			add(base64.StdEncoding.EncodeToString([]byte(t)), minCredentialLen)
			// The encoding of the value's whole 3-byte groups starts the
			// encoding of anything that starts with the value: a key
			// encoded with its trailing newline, or without, is found alike.
			add(base64.RawStdEncoding.EncodeToString([]byte(t[:len(t)/3*3])), minKeyLineLen)
		}
		if strings.Contains(t, "\n") {
			for _, line := range strings.Split(t, "\n") {
				line = strings.TrimSpace(line)
				if !strings.HasPrefix(line, "-----") { // PEM armour is no secret
					add(line, minKeyLineLen)
				}
			}
		}
		add(passwordOf(t), minCredentialLen)
	}
	// Longest first, so a warning or match names the whole value.
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// Environment is env without plumb's credentials: every PLUMB_* variable
// and every variable whose value contains a form of one of credentials.
// byValue lists, sorted, the other variables dropped for their value: the
// ones a user may have meant for a provider and deserves to hear about.
func Environment(env map[string]string, credentials []string) (kept map[string]string, byValue []string) {
	forms := CredentialForms(credentials...)
	kept = make(map[string]string, len(env))
	for k, v := range env {
		if isPlumbName(k) {
			continue
		}
		if slices.ContainsFunc(forms, func(f string) bool { return strings.Contains(v, f) }) {
			byValue = append(byValue, k)
			continue
		}
		kept[k] = v
	}
	sort.Strings(byValue)
	return kept, byValue
}

// probeNames and probePrefixes are what Find passes to a binary it
// asks its version: enough to find and start it, also through a version
// manager's shim (tfenv, tofuenv, tenv, asdf, mise), and nothing else. The
// probe runs before any Runner knows the credentials given as flags, so
// it gets no variable that could hold one; PLUMB_* values are still
// looked for in these.
var (
	probeNames    = []string{"PATH", "HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "LANG", "LC_ALL", "TZ", "CHECKPOINT_DISABLE", "TF_CLI_CONFIG_FILE"}
	probePrefixes = []string{"LC_", "XDG_", "TFENV_", "TOFUENV_", "TENV_", "ASDF_", "MISE_"}
)

// probeEnv is the environment Find asks a binary its version in
// (the binary is an engine too): the variables above from environ, minus
// any holding a credential found in its PLUMB_* variables.
func probeEnv(environ []string) []string {
	probe := map[string]string{}
	for k, v := range envMap(environ) {
		if slices.Contains(probeNames, k) || slices.ContainsFunc(probePrefixes, func(p string) bool { return strings.HasPrefix(k, p) }) {
			probe[k] = v
		}
	}
	kept, _ := Environment(probe, CredentialsInEnv(environ))
	out := make([]string, 0, len(kept))
	for k, v := range kept {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

func envMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			m[k] = v
		}
	}
	return m
}
