// Package progress shows a CLI batch of runs on the terminal while it
// goes: a line when each project starts and ends, the projects still
// running every few seconds, and each run's outcome in a few words. It
// implements runner.Progress.
package progress
