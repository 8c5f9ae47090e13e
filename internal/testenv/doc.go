// Package testenv is the environment every plumb test runs in: the engines and
// offline provider mirror that `make tools` installs (Tools, Env), a fresh git
// repository per test built from a fixture (NewRepo), the plumb binary built
// once per test process (BuildPlumb), and a network-less way to run commands
// (Offline).
//
// When the tools are missing, tests skip with a pointer to `make tools`; with
// CI=true they fail instead, so CI can never pass by skipping.
//
// It is imported only by tests; it must not import plumb's own packages.
package testenv
