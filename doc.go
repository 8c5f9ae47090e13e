// Package plumb holds the domain nouns that cross plumb's packages (Project,
// Change, Run, Lock, DriftFinding, PolicyResult, Event), the interfaces two or
// more packages consume (Store, Forge) and the Error type with its codes.
//
// It imports only the standard library and does no I/O. Every other package
// may import it; it imports none of them (see TestImportRules).
package plumb
