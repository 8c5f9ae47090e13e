# Test policies on plan documents, in conftest's default namespace: one of
# each result form conftest knows (strings, objects with msg, _loc), and a
# rule with two bodies (counted twice in successes).
package main

# deny: strings.
deny contains msg if {
	some rc in input.resource_changes
	"delete" in rc.change.actions
	not "create" in rc.change.actions
	msg := sprintf("%s: deleting is not allowed", [rc.address])
}

# violation: objects, with metadata and a location.
violation contains {"msg": msg, "address": rc.address, "_loc": {"file": "main.tf", "line": 1}} if {
	some rc in input.resource_changes
	rc.change.actions == ["create", "delete"]
	msg := sprintf("%s: create before destroy is not allowed", [rc.address])
}

warn contains msg if {
	some rc in input.resource_changes
	rc.change.actions == ["delete", "create"]
	msg := sprintf("%s will be replaced", [rc.address])
}

warn contains msg if {
	some rc in input.resource_changes
	rc.change.actions == ["update"]
	msg := sprintf("%s will be updated in place", [rc.address])
}
