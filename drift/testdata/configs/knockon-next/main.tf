# Drift fixture: a trigger on a file's hash. Deleting the file out of band
# makes the plan replace the trigger too: a knock-on of the drift, not
# configuration waiting to be applied. knockon-next adds a file the
# trigger also hashes (that replace is pending).
terraform {
  required_providers {
    local = { source = "hashicorp/local", version = "~> 2.5" }
    null  = { source = "hashicorp/null", version = "~> 3.2" }
  }
}

resource "local_file" "a" {
  filename = "out/a.txt"
  content  = "hello a\n"
}

resource "local_file" "k" {
  filename = "out/k.txt"
  content  = "kept\n"
}

resource "null_resource" "dep" {
  triggers = {
    a = local_file.a.content_sha256
    k = local_file.k.content_sha256
    c = local_file.c.content_sha256
  }
}

resource "local_file" "c" {
  filename = "out/c.txt"
  content  = "new c\n"
}
