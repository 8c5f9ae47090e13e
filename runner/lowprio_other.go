//go:build !linux

package runner

// lowPriority runs f; only Linux lowers the priority of what it starts.
func lowPriority(f func()) { f() }
