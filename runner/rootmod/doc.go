// Package rootmod reads what a run needs to know of a root module before
// the engine does: whether it brings its own backend, the engine version
// it asks for, how its variables are typed and which are sensitive, and a
// fingerprint of everything `init` depends on; and it writes TF_VAR_*
// values as the var file the engine reads with the same meaning.
package rootmod
