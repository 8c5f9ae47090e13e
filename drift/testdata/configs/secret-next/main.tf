# Drift fixture: secret after a merge that changed the token (test values).
terraform {
  required_providers {
    local = { source = "hashicorp/local", version = "~> 2.5" }
    null  = { source = "hashicorp/null", version = "~> 3.2" }
  }
}

variable "token" {
  type      = string
  sensitive = true
  default   = "fixture-secret-two"
}

resource "null_resource" "t" {
  triggers = { token = var.token, env = "dev" }
}

resource "local_file" "s" {
  filename          = "out/s.txt"
  sensitive_content = var.token
}
