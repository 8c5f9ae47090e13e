variable "cidr" {}
module "subnet" {
  source = "./subnet"
}
