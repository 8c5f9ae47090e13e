# The dev app. No backend block: plumb keeps the state.
terraform {
  required_version = ">= 1.5"
}

variable "api_token" {
  type        = string
  sensitive   = true
  default     = "dev-example-token"
  description = "In real life set TF_VAR_api_token from your secret store."
}

variable "output_dir" {
  type        = string
  default     = "out"
  description = "Where rendered files go, relative to this directory (gitignored)."
}

module "app" {
  source       = "../../../modules/app"
  env          = "dev"
  replicas     = 1
  network_name = "network-dev"
  api_token    = var.api_token
  output_dir   = var.output_dir
}

output "config_file" {
  value = module.app.config_file
}
