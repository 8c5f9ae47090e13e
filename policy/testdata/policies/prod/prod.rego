# A second namespace, reached with --namespace plumb.prod or
# --all-namespaces, reading --data documents.
package plumb.prod

protected contains addr if some addr in data.protected.addresses

deny_protected contains msg if {
	some rc in input.resource_changes
	rc.address in protected
	some action in rc.change.actions
	action == "delete"
	msg := sprintf("%s is protected (data.protected) and would be deleted", [rc.address])
}

warn contains msg if {
	count(input.resource_changes) > 5
	msg := sprintf("%d resources in one plan", [count(input.resource_changes)])
}
