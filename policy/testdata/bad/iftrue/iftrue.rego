# v0's deny[msg] written with if: in Rego v1 that makes deny an object of
# booleans, not a set of messages; conftest refuses it, and so does Load.
package main

deny[msg] if {
	msg := "never reported"
}
