package main

plan(env, approvers, actions) := {
	"resource_changes": [{"address": "aws_db_instance.main", "mode": "managed", "change": {"actions": actions, "after": {}}}],
	"plumb": {"project": "db-prod", "environment": env, "approvers": approvers},
}

test_prod_delete_without_approval_is_denied if {
	msgs := deny_prod_destroy with input as plan("prod", [], ["delete"])
	msgs == {"db-prod: aws_db_instance.main would be destroyed in prod without an approval: get a review approval on the pull request"}
}

test_prod_replace_without_approval_is_denied if {
	count(deny_prod_destroy) == 1 with input as plan("prod", [], ["delete", "create"])
}

test_prod_delete_with_approval_passes if {
	count(deny_prod_destroy) == 0 with input as plan("prod", ["alice"], ["delete"])
}

test_dev_delete_passes if {
	count(deny_prod_destroy) == 0 with input as plan("dev", [], ["delete"])
}

test_prod_update_passes if {
	count(deny_prod_destroy) == 0 with input as plan("prod", [], ["update"])
}

test_without_plumb_input_passes if {
	count(deny_prod_destroy) == 0 with input as {"resource_changes": [{"address": "a.b", "change": {"actions": ["delete"]}}]}
}

test_protected_environments_from_data if {
	count(deny_prod_destroy) == 1 with input as plan("live", [], ["delete"]) with data.plumb.protected_environments as ["live"]
	count(deny_prod_destroy) == 0 with input as plan("prod", [], ["delete"]) with data.plumb.protected_environments as ["live"]
}
