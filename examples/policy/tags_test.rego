package main

change(actions, after) := {"resource_changes": [{"address": "aws_s3_bucket.logs", "mode": "managed", "change": {"actions": actions, "after": after}}]}

test_missing_tags_are_denied if {
	msgs := deny_missing_tags with input as change(["create"], {"tags": {"owner": "team-a"}})
	msgs == {"aws_s3_bucket.logs: missing required tags env"}
}

test_empty_tag_counts_as_missing if {
	msgs := deny_missing_tags with input as change(["update"], {"tags": {"owner": "", "env": "prod"}})
	msgs == {"aws_s3_bucket.logs: missing required tags owner"}
}

test_labels_are_tags if {
	count(deny_missing_tags) == 0 with input as change(["create"], {"labels": {"owner": "a", "env": "b"}})
	count(deny_missing_tags) == 1 with input as change(["create"], {"labels": {}})
}

test_untaggable_resources_pass if {
	count(deny_missing_tags) == 0 with input as change(["create"], {"content": "x"})
}

test_deletes_pass if {
	count(deny_missing_tags) == 0 with input as change(["delete"], null)
}

test_required_tags_from_data if {
	count(deny_missing_tags) == 0 with input as change(["create"], {"tags": {"cost-center": "42"}}) with data.plumb.required_tags as ["cost-center"]
}
