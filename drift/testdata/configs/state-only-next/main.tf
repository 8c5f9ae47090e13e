# Drift fixture: state-only after a merge that was not applied.
terraform {
  required_providers {
    null = { source = "hashicorp/null", version = "~> 3.2" }
    time = { source = "hashicorp/time", version = "0.14.2" }
  }
}

resource "null_resource" "renamed" {}

moved {
  from = null_resource.a
  to   = null_resource.renamed
}

removed {
  from = null_resource.b
  lifecycle {
    destroy = false
  }
}

# triggers = {} as the import reads it, so the import is all there is.
resource "time_static" "t" {
  rfc3339  = "2024-01-01T00:00:00Z"
  triggers = {}
}

import {
  to = time_static.t
  id = "2024-01-01T00:00:00Z"
}
