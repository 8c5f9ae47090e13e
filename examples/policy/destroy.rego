# No destroy in prod without approval: a plan that deletes or replaces
# anything in a prod project is denied until the pull request has an
# approving review. plumb fills input.plumb (environment, approvers); under
# plain conftest, where it is absent, the rule never fires.
package main

# The environments where a destroy needs an approval (override with
# data.plumb.protected_environments).
default protected_environments := {"prod", "production"}

protected_environments := {e | some e in data.plumb.protected_environments} if data.plumb.protected_environments

destroys contains rc.address if {
	some rc in input.resource_changes
	"delete" in rc.change.actions
}

deny_prod_destroy contains msg if {
	input.plumb.environment in protected_environments
	count(input.plumb.approvers) == 0
	some addr in destroys
	msg := sprintf("%s: %s would be destroyed in %s without an approval: get a review approval on the pull request",
		[input.plumb.project, addr, input.plumb.environment])
}
