terraform {
  backend "local" {}
}
module "vpc" {
  source   = "../../../modules/vpc"
  for_each = toset(["a", "b"])
  cidr     = each.key
}
module "registry" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.0.0"
}
