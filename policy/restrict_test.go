package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The server's sets (NoNetwork) cannot call the network: a policy that
// does is a load error naming its file and line; without NoNetwork (plumb
// policy test, as conftest) it compiles.
func TestNoNetwork(t *testing.T) {
	for name, body := range map[string]string{
		"http": "package main\n\ndeny contains msg if {\n\thttp.send({\"method\": \"GET\", \"url\": \"http://x\"}).status_code == 200\n\tmsg := \"x\"\n}\n",
		"net":  "package main\n\ndeny contains msg if {\n\tcount(net.lookup_ip_addr(\"example.com\")) > 0\n\tmsg := \"x\"\n}\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "p.rego")
			if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := Load(Options{Policy: []string{dir}}); err != nil {
				t.Fatalf("without NoNetwork: %v", err)
			}
			_, err := Load(Options{Policy: []string{dir}, NoNetwork: true})
			if err == nil || !strings.Contains(err.Error(), file+":4:") || !strings.Contains(err.Error(), "undefined function") {
				t.Fatalf("with NoNetwork: err = %v, want an undefined function at %s:4", err, file)
			}
		})
	}
}
