//go:build !linux

package engine

// fileStamp is "" where plumb does not read inodes: nothing is cached.
func fileStamp(string) string { return "" }
