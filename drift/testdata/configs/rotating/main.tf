# Drift fixture: a time_rotating already expired when applied, so every
# later plan sees it gone (the real hashicorp/time drops it on refresh).
terraform {
  required_providers {
    time = { source = "hashicorp/time", version = "0.14.2" }
  }
}

resource "time_rotating" "key" {
  rfc3339          = "2020-01-01T00:00:00Z"
  rotation_minutes = 1
}
