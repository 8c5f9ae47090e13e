# Drift fixture: a provider the offline mirror does not serve, so init fails.
terraform {
  required_providers {
    nosuch = { source = "plumbhq/nosuch", version = "1.0.0" }
  }
}

resource "nosuch_thing" "x" {}
