# Drift fixture: state-only changes; state-only-next moves a, forgets b and
# imports a time_static that exists outside the state.
terraform {
  required_providers {
    null = { source = "hashicorp/null", version = "~> 3.2" }
    time = { source = "hashicorp/time", version = "0.14.2" }
  }
}

resource "null_resource" "a" {}

resource "null_resource" "b" {}
