# _name rules and an exception, in the same namespace as changes.rego.
package main

# owner of a resource's tags: terraform_data keeps them under input.tags,
# null_resource under triggers.
owner(after) := after.input.tags.owner
owner(after) := after.triggers.owner

deny_no_owner contains msg if {
	some rc in input.resource_changes
	some action in rc.change.actions
	action in {"create", "update"}
	rc.mode == "managed"
	rc.type in {"terraform_data", "null_resource"}
	not owner(rc.change.after)
	msg := sprintf("%s: no owner tag", [rc.address])
}

warn_sensitive contains msg if {
	some rc in input.resource_changes
	rc.change.actions != ["no-op"]
	some k, v in rc.change.after_sensitive
	v == true
	msg := sprintf("%s: %s is sensitive", [rc.address, k])
}

# A team that renamed its owner may drop owner tags while it retags.
exception contains rules if {
	some rc in input.resource_changes
	rc.change.after.input.tags.owner == "team-b"
	rules := ["no_owner"]
}
