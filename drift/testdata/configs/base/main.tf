# Drift fixture: what was applied. base-next is the same project after a
# merge that was not applied. Paths are relative, so plans are reproducible.
terraform {
  required_providers {
    local = { source = "hashicorp/local", version = "~> 2.5" }
    null  = { source = "hashicorp/null", version = "~> 3.2" }
    time  = { source = "hashicorp/time", version = "0.14.2" }
  }
}

resource "local_file" "a" {
  filename        = "out/a.txt"
  content         = "hello a\n"
  file_permission = "0644"
}

resource "local_file" "b" {
  filename = "out/b.txt"
  content  = "hello b\n"
}

resource "null_resource" "n" {
  triggers = { env = "dev" }
}

resource "time_sleep" "w" {
  create_duration  = "0s"
  destroy_duration = "0s"
}

resource "null_resource" "gone" {}

data "local_file" "a" {
  filename = local_file.a.filename
}
