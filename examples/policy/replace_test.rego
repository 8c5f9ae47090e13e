package main

replace(paths) := {"resource_changes": [{"address": "null_resource.server", "change": {"actions": ["delete", "create"], "replace_paths": paths}}]}

test_replace_warns_with_its_paths if {
	msgs := warn_replace with input as replace([["triggers", "generation"]])
	msgs == {"null_resource.server will be replaced (destroyed and created again) because of triggers.generation"}
}

test_create_before_destroy_warns if {
	msgs := warn_replace with input as {"resource_changes": [{"address": "a.b", "change": {"actions": ["create", "delete"]}}]}
	msgs == {"a.b will be replaced (destroyed and created again)"}
}

test_update_does_not_warn if {
	count(warn_replace) == 0 with input as {"resource_changes": [{"address": "a.b", "change": {"actions": ["update"]}}]}
}
