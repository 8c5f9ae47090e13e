# naming: one place that decides how things are called, so every component
# and environment agrees. The random suffix keeps names unique per apply.
terraform {
  required_providers {
    random = { source = "hashicorp/random", version = "~> 3.7" }
  }
}

variable "env" {
  type        = string
  description = "Environment: dev, staging or prod."
}

variable "component" {
  type        = string
  description = "Component name, e.g. network or app."
}

resource "random_string" "suffix" {
  length  = 6
  special = false
  upper   = false
  keepers = { env = var.env, component = var.component }
}

output "name" {
  value = "${var.component}-${var.env}-${random_string.suffix.result}"
}

output "labels" {
  value = { env = var.env, component = var.component, managed_by = "plumb" }
}
