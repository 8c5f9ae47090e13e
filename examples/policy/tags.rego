# Required tags: every resource created or updated that takes tags (AWS,
# Azure: tags) or labels (Google: labels) carries the required keys.
package main

# The required keys (override with data.plumb.required_tags).
default required_tags := ["owner", "env"]

required_tags := data.plumb.required_tags

deny_missing_tags contains msg if {
	some rc in input.resource_changes
	rc.mode == "managed"
	some action in rc.change.actions
	action in {"create", "update"}
	given := object.get(rc.change.after, "tags", object.get(rc.change.after, "labels", null))
	given != null
	missing := [k | some k in required_tags; not has_tag(given, k)]
	count(missing) > 0
	msg := sprintf("%s: missing required tags %s", [rc.address, concat(", ", missing)])
}

has_tag(given, k) if given[k] != ""
