//go:build !linux

package runner

// fileStamp is "" where plumb does not read inodes: nothing is cached.
func fileStamp(string) string { return "" }
