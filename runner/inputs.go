package runner

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"

	"github.com/plumbhq/plumb"
)

// inputsDigest is a digest of what a project's plan reads from its commit:
// every file under its directory and under each local module it calls,
// by path and content, and the project settings that pick the engine and
// workspace. Two commits with the same digest plan the same configuration,
// so a plan reviewed at a pull request's head may be applied on its merge
// commit. It over-approximates on purpose (a README change counts): the
// price of a false "changed" is one more plan, compared with the reviewed
// one before anything is applied.
func inputsDigest(tree fs.FS, p plumb.Project) (string, error) {
	if tree == nil {
		return "", nil
	}
	h := sha256.New()
	fmt.Fprintf(h, "engine=%s\x00version=%s\x00workspace=%s\x00", p.Engine, p.Version, workspaceOf(p))
	dirs := append([]string{p.Dir}, p.Modules...)
	slices.Sort(dirs)
	for _, dir := range slices.Compact(dirs) {
		err := fs.WalkDir(tree, path.Clean(dir), func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if name != dir && (d.Name() == ".terraform" || d.Name() == ".git") {
					return fs.SkipDir
				}
				return nil
			}
			f, err := tree.Open(name)
			if err != nil {
				return err
			}
			defer f.Close()
			fmt.Fprintf(h, "%s\x00", name)
			if _, err := io.Copy(h, f); err != nil {
				return err
			}
			h.Write([]byte{0})
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("project %s: read inputs under %s: %w", p.Name, dir, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
