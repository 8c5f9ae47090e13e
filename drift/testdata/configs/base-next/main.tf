# Drift fixture: base after a merge that was not applied: a's content and
# n's trigger change (replace), w's destroy_duration (update in place), new
# is added and gone removed.
terraform {
  required_providers {
    local = { source = "hashicorp/local", version = "~> 2.5" }
    null  = { source = "hashicorp/null", version = "~> 3.2" }
    time  = { source = "hashicorp/time", version = "0.14.2" }
  }
}

resource "local_file" "a" {
  filename        = "out/a.txt"
  content         = "hello again a\n"
  file_permission = "0644"
}

resource "local_file" "b" {
  filename = "out/b.txt"
  content  = "hello b\n"
}

resource "null_resource" "n" {
  triggers = { env = "prod" }
}

resource "time_sleep" "w" {
  create_duration  = "0s"
  destroy_duration = "1s"
}

resource "null_resource" "new" {}

data "local_file" "a" {
  filename = local_file.a.filename
}
