# The dev network. No backend block: plumb keeps the state.
terraform {
  required_providers {
    local = { source = "hashicorp/local", version = "~> 2.5" }
  }
}

variable "output_dir" {
  type        = string
  default     = "out"
  description = "Where rendered files go, relative to this directory (gitignored)."
}

module "naming" {
  source    = "../../../modules/naming"
  env       = "dev"
  component = "network"
}

resource "local_file" "network" {
  filename        = "${var.output_dir}/${module.naming.name}.json"
  file_permission = "0644"
  content = jsonencode({
    name   = module.naming.name
    cidr   = "10.10.0.0/16"
    labels = module.naming.labels
  })
}

output "name" {
  value = module.naming.name
}
