variable "name" {}
module "vpc" {
  source = "../vpc"
  count  = 1
}
