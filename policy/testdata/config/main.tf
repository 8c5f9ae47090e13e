# Policy fixture: one project whose variables make each kind of change, so
# scripts/policy-fixtures.sh plans it applied with defaults and then with one
# variable changed per fixture. Test values only.
terraform {
  required_providers {
    local = { source = "hashicorp/local", version = "~> 2.5" }
    null  = { source = "hashicorp/null", version = "~> 3.2" }
  }
}

variable "owner" {
  type    = string
  default = "team-a"
}

variable "generation" {
  type    = string
  default = "1"
}

variable "keep_legacy" {
  type    = bool
  default = true
}

variable "with_cache" {
  type    = bool
  default = false
}

variable "token" {
  type      = string
  sensitive = true
  default   = "fixture-secret-one"
}

# Updates in place when owner changes (terraform_data's input is not
# replace-on-change).
resource "terraform_data" "app" {
  input = {
    tags = { owner = var.owner, env = "prod" }
  }
}

# Replaced when generation changes (triggers force replacement).
resource "null_resource" "server" {
  triggers = { generation = var.generation, owner = "team-a" }
}

# Replaced the other way round (create, then delete) when generation changes.
resource "null_resource" "blue" {
  triggers = { generation = var.generation, owner = "team-a" }
  lifecycle {
    create_before_destroy = true
  }
}

# Deleted when keep_legacy is false.
resource "null_resource" "legacy" {
  count    = var.keep_legacy ? 1 : 0
  triggers = { env = "prod" }
}

# Created when with_cache is true; it carries no owner tag.
resource "null_resource" "cache" {
  count    = var.with_cache ? 1 : 0
  triggers = { env = "prod" }
}

# Holds the sensitive token: replaced, with its value hidden, when it changes.
resource "local_file" "secret" {
  filename          = "out/secret.txt"
  sensitive_content = var.token
}
