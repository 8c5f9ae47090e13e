# A warning on replace: destroying and recreating an object loses what it
# holds (disks, addresses, data), so say so even where it is allowed.
package main

warn_replace contains msg if {
	some rc in input.resource_changes
	"delete" in rc.change.actions
	"create" in rc.change.actions
	paths := [format_path(p) | some p in object.get(rc.change, "replace_paths", [])]
	msg := replace_message(rc.address, paths)
}

replace_message(addr, paths) := sprintf("%s will be replaced (destroyed and created again)", [addr]) if count(paths) == 0

replace_message(addr, paths) := sprintf("%s will be replaced (destroyed and created again) because of %s", [addr, concat(", ", paths)]) if count(paths) > 0

# format_path writes a replace_paths entry (["triggers", "generation"]) as
# triggers.generation.
format_path(p) := concat(".", [sprintf("%v", [x]) | some x in p])
