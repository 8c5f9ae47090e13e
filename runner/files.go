package runner

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"

	"github.com/plumbhq/plumb/runner/runfiles"
)

// fileDigest is the sha256 of a file's content, or "" when unreadable.
func fileDigest(path string) string {
	if path == "" {
		return ""
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return runfiles.WriteFileAtomic(dst, data, 0o644)
}
