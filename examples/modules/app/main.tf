# app: renders a service's config and "deploys" it. Calls modules/naming.
terraform {
  required_providers {
    local = { source = "hashicorp/local", version = "~> 2.5" }
    null  = { source = "hashicorp/null", version = "~> 3.2" }
    time  = { source = "hashicorp/time", version = "~> 0.14" }
  }
}

variable "env" {
  type = string
}

variable "replicas" {
  type    = number
  default = 1
}

variable "network_name" {
  type        = string
  description = "Name of the env's network (applied first; see depends_on in plumb.yaml)."
}

variable "api_token" {
  type      = string
  sensitive = true
}

variable "output_dir" {
  type        = string
  description = "Where rendered files go, relative to the root module's working directory."
}

module "naming" {
  source    = "../naming"
  env       = var.env
  component = "app"
}

resource "local_file" "config" {
  filename        = "${var.output_dir}/${module.naming.name}.json"
  file_permission = "0644"
  content = jsonencode({
    name     = module.naming.name
    network  = var.network_name
    replicas = var.replicas
    labels   = module.naming.labels
  })
}

resource "local_file" "secret" {
  filename        = "${var.output_dir}/${module.naming.name}.env"
  file_permission = "0600"
  content         = "API_TOKEN=${var.api_token}\n"
}

# The token is rotated every 30 days: a plan after that shows it as drift.
resource "time_rotating" "token" {
  rotation_days = 30
}

resource "null_resource" "deploy" {
  triggers = {
    config = local_file.config.content_sha256
    secret = local_file.secret.content_sha256
  }
}

output "name" {
  value = module.naming.name
}

output "config_file" {
  value = local_file.config.filename
}
