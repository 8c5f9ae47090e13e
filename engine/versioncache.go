package engine

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-version"
)

// versionCache remembers engine versions by binary, keyed by a stamp of
// the file (device, inode, size, modification and change times), so a
// binary replaced or rebuilt in place is asked again. A missing or
// unreadable cache file only means asking; saving is best effort.
type versionCache struct {
	path    string
	entries map[string]cachedVersion // by the binary's resolved path
	dirty   bool
}

type cachedVersion struct {
	Stamp   string `json:"stamp"`
	Version string `json:"version"`
}

func loadVersionCache(path string) *versionCache {
	c := &versionCache{path: path, entries: map[string]cachedVersion{}}
	if path == "" {
		return c
	}
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, &c.entries) // a damaged cache is rebuilt
	}
	return c
}

// get returns the remembered version of the binary at real, or nil, and
// the file's current stamp for put.
func (c *versionCache) get(real string) (*version.Version, string) {
	stamp := fileStamp(real)
	if c.path == "" || stamp == "" {
		return nil, stamp
	}
	e, ok := c.entries[real]
	if !ok || e.Stamp != stamp {
		return nil, stamp
	}
	v, err := version.NewVersion(e.Version)
	if err != nil {
		return nil, stamp
	}
	return v, stamp
}

func (c *versionCache) put(real, stamp string, v *version.Version) {
	if c.path == "" || stamp == "" {
		return
	}
	c.entries[real] = cachedVersion{Stamp: stamp, Version: v.String()}
	c.dirty = true
}

func (c *versionCache) save() {
	if !c.dirty {
		return
	}
	b, err := json.MarshalIndent(c.entries, "", "  ")
	if err != nil {
		return
	}
	// Written aside and renamed, so a concurrent reader (another plumb on
	// the data dir) sees the old cache or the new one, never half of one.
	if os.MkdirAll(filepath.Dir(c.path), 0o700) != nil {
		return
	}
	tmp := fmt.Sprintf("%s.%d.tmp", c.path, os.Getpid())
	if os.WriteFile(tmp, b, 0o600) == nil && os.Rename(tmp, c.path) != nil {
		os.Remove(tmp)
	}
}
