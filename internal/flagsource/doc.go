// Package flagsource sets flags from where plumb reads them besides the
// command line: PLUMB_<FLAG> environment variables and a YAML file whose
// keys are the flags' names, layered file < env < command line.
package flagsource
